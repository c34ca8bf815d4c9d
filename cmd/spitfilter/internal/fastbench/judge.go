package fastbench

import (
	"fmt"
	"strconv"
	"strings"
)

// QueueEnv is the environment variable that tells a judge its queue number.
const QueueEnv = "SPITFILTER_BENCH_QUEUE"

// QueuePlaceholder in a judge's arguments is replaced by the queue number.
const QueuePlaceholder = "{queue}"

// Judge is one command the rig measures.
type Judge struct {
	// Name labels the judge in the report: letters, digits, '-', '_' or '.'.
	Name string
	// Argv is the command and its arguments; QueuePlaceholder is expanded.
	Argv []string
	// IdleLoad: while the judge is measured, the rig keeps one busy
	// process per CPU running at SCHED_IDLE beside it, work that takes
	// whatever CPU time is spare, as an analysis that cannot keep up
	// does. It measures what sharing the CPUs costs a judge that does
	// nothing itself.
	IdleLoad bool
}

// ParseJudge reads "name=command args...". Arguments are split on white
// space; single or double quotes keep an argument with spaces together.
func ParseJudge(s string) (Judge, error) {
	name, cmd, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok {
		return Judge{}, fmt.Errorf("%w %q: want name=command args...", ErrJudgeSpec, s)
	}
	if name == "" {
		return Judge{}, fmt.Errorf("%w %q: empty name before '='", ErrJudgeSpec, s)
	}
	for i, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return Judge{}, fmt.Errorf("%w %q: name has %q at byte %d; use letters, digits, '-', '_', '.'", ErrJudgeSpec, s, r, i)
		}
	}
	argv, err := splitArgs(cmd)
	if err != nil {
		return Judge{}, fmt.Errorf("%w %q: %v", ErrJudgeSpec, s, err)
	}
	if len(argv) == 0 {
		return Judge{}, fmt.Errorf("%w %q: no command after '='", ErrJudgeSpec, s)
	}
	return Judge{Name: name, Argv: argv}, nil
}

// splitArgs splits on white space, honouring single and double quotes.
func splitArgs(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		inArg bool
		quote rune
		qpos  int
	)
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, qpos, inArg = r, i, true
		case r == ' ' || r == '\t' || r == '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("quote %c at byte %d is not closed", quote, qpos)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// expand returns the judge's argv with QueuePlaceholder replaced.
func (j Judge) expand(queue uint16) []string {
	q := strconv.Itoa(int(queue))
	out := make([]string, len(j.Argv))
	for i, a := range j.Argv {
		out[i] = strings.ReplaceAll(a, QueuePlaceholder, q)
	}
	return out
}
