package config_test

import (
	"fmt"
	"time"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
)

func ExampleParse() {
	_, err := config.Parse("spitfilter.yaml", []byte(`
engine: vosk
banned:
  - free cruise
  - ""
queue: 3-1
`))
	fmt.Println(err)
	// Output:
	// spitfilter.yaml:5:5: banned[1]: empty phrase
	// spitfilter.yaml:6:8: queue: bad queue "3-1": want a range like 0-3, numbers 0-65535, the lower first
}

func ExampleConfig_Rules() {
	c, err := config.Parse("spitfilter.yaml", []byte(`
action: mute
banned:
  - Press 1!
  - phrase: warranty
    action: drop
patterns:
  - 'gift cards?'
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range c.Rules() {
		fmt.Printf("%s %q %v\n", r.Kind, r.Text, r.Action)
	}
	// Output:
	// phrase "press one" mute
	// word "warranty" drop
	// pattern "gift cards?" mute
}

func ExampleConfig_AddWords() {
	c := config.Default()
	if err := c.AddWords("free cruise", "Free Cruise!"); err != nil {
		fmt.Println(err)
	}
	fmt.Println(len(c.Banned), c.Rules()[0].Name)
	fmt.Println(c.AddWords("?"))
	// Output:
	// 1 free cruise
	// word "?": empty phrase
}

func ExampleNormalizePhrase() {
	fmt.Println(config.NormalizePhrase("Press 1, NOW!"))
	// Output: press one now
}

func ExampleLoad() {
	c, err := config.Load("testdata/sample.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Engine, c.Queue, c.RTPPorts, len(c.Rules()))
	// Output: auto 0-3 5004,10000-20000 6
}

func ExampleConfig_Validate() {
	c := config.Default()
	c.Banned = append(c.Banned, config.Phrase{Text: "free cruise"}, config.Phrase{Text: "Free Cruise"})
	c.Hold = -time.Second
	fmt.Println(c.Validate())
	// Output:
	// hold: out of range: -1s is negative; 0 holds for the rest of the stream
	// banned[1]: duplicate rule: "Free Cruise" normalises to "free cruise", as banned[0] does
}
