package fastbench_test

import (
	"fmt"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/fastbench"
)

func ExampleParseJudge() {
	j, err := fastbench.ParseJudge("spitfilter=bin/spitfilter run --config 'my bench.yaml' --queue {queue}")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %q\n", j.Name, j.Argv)
	// Output: spitfilter ["bin/spitfilter" "run" "--config" "my bench.yaml" "--queue" "{queue}"]
}
