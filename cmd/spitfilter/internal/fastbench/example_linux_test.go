//go:build linux

package fastbench_test

import (
	"context"
	"log"
	"os"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/fastbench"
)

// Measure the C judge and a daemon in one lab (as root); not run by go test.
func ExampleBench() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "fastbench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cBin, err := fastbench.BuildCJudge(ctx, dir)
	if err != nil {
		log.Fatal(err)
	}
	daemon, err := fastbench.ParseJudge("spitfilter=bin/spitfilter run --config bench.yaml")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := fastbench.Bench(ctx, fastbench.Config{
		Judges: []fastbench.Judge{{Name: "c", Argv: []string{cBin, fastbench.QueuePlaceholder, "4096"}}, daemon},
	})
	if err != nil {
		log.Fatal(err)
	}
	rep.WriteMarkdown(os.Stdout)
}
