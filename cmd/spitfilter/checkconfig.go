package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
)

// defaultConfig is where the daemon's config lives when --config is not
// given.
const defaultConfig = "/etc/spitfilter/spitfilter.yaml"

// checkConfig implements "spitfilter check-config [--config FILE]": it
// loads and validates the file and prints a short summary (exit 0), or
// lists every problem on stderr, one "file:line:col: field: problem" a line
// (exit 2).
func checkConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config `FILE` to check")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spitfilter check-config: unexpected argument %q (the file goes after --config)\n", fs.Arg(0))
		return 2
	}
	c, err := config.Load(*path)
	if err != nil {
		n := 0
		for _, e := range splitErrors(err) {
			fmt.Fprintln(stderr, e)
			n++
		}
		fmt.Fprintf(stderr, "spitfilter check-config: %s: %d %s\n", *path, n, pluralize(n, "error", "errors"))
		return 2
	}
	writeSummary(stdout, *path, c)
	return 0
}

// writeSummary prints what a valid config sets up.
func writeSummary(w io.Writer, path string, c *config.Config) {
	fmt.Fprintf(w, "%s: ok\n", path)
	model := c.Model
	if model == "" {
		model = "engine default"
	}
	fmt.Fprintf(w, "engine:  %s (model: %s), mode %s\n", orElse(string(c.Engine), "auto"), model, orElse(string(c.Mode), "auto"))

	rules := c.Rules()
	kinds := map[config.Kind]int{}
	actions := map[config.Action]int{}
	for _, r := range rules {
		kinds[r.Kind]++
		actions[r.Action]++
	}
	if len(rules) == 0 {
		fmt.Fprintln(w, "rules:   none: nothing will be detected")
	} else {
		var ks, as []string
		for _, k := range []config.Kind{config.KindWord, config.KindPhrase, config.KindPattern} {
			if n := kinds[k]; n > 0 {
				ks = append(ks, fmt.Sprintf("%d %s", n, pluralize(n, string(k), string(k)+"s")))
			}
		}
		for a := config.ActionMute; a <= config.ActionLog; a++ {
			if n := actions[a]; n > 0 {
				as = append(as, fmt.Sprintf("%d %s", n, a))
			}
		}
		fmt.Fprintf(w, "rules:   %d (%s); actions: %s\n", len(rules), strings.Join(ks, ", "), strings.Join(as, ", "))
	}
	hold := "the rest of the stream"
	if c.Hold > 0 {
		hold = c.Hold.String()
	}
	action := c.Action
	if action == config.ActionInherit {
		action = config.ActionMute
	}
	fmt.Fprintf(w, "action:  %s by default, held for %s", action, hold)
	if actions[config.ActionMark] > 0 || c.Action == config.ActionMark {
		fmt.Fprintf(w, ", mark 0x%x", c.Mark)
	}
	fmt.Fprintln(w)
	posture := "fail-open"
	if !c.FailOpen {
		posture = "fail-closed"
	}
	fmt.Fprintf(w, "queues:  %s (%d %s), %d packets each, %s\n", c.Queue, c.Queue.Len(), pluralize(c.Queue.Len(), "reader", "readers"), c.QueueLength, posture)
	if len(c.RTPPorts) == 0 {
		fmt.Fprintln(w, "ports:   none (streams found by heuristic only)")
	} else {
		n := 0
		for _, r := range c.RTPPorts {
			n += int(r.Hi) - int(r.Lo) + 1
		}
		fmt.Fprintf(w, "ports:   %s (%d UDP %s)\n", c.RTPPorts, n, pluralize(n, "port", "ports"))
	}
	events := c.Events
	switch events {
	case "-":
		events = "stdout"
	case "":
		events = "off"
	}
	fmt.Fprintf(w, "output:  metrics %s, events %s, transcripts %s\n", orElse(c.Metrics, "off"), events, onOff(c.Transcript))
	var hooks []string
	if c.Hooks.Exec != "" {
		hooks = append(hooks, "exec "+c.Hooks.Exec)
	}
	if c.Hooks.Webhook != "" {
		hooks = append(hooks, "webhook "+c.Hooks.Webhook)
	}
	if len(hooks) > 0 {
		fmt.Fprintf(w, "hooks:   %s (timeout %v)\n", strings.Join(hooks, ", "), c.Hooks.Timeout)
	}
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orElse(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// splitErrors undoes errors.Join.
func splitErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
