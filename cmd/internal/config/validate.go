package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
)

// Validate checks the values of a Config: the checks Parse runs after
// decoding, to be run again after changing a Config in code. It returns
// every problem, joined, each an [*Error]; a parsed Config's errors carry
// its file, line and column.
func (c *Config) Validate() error {
	var errs []error
	fail := func(field string, err error) {
		if !c.badField(field) {
			errs = append(errs, c.errorAt(field, err))
		}
	}
	if c.Engine != "" && !contains(engineNames, string(c.Engine)) {
		fail("engine", fmt.Errorf("%w %q: want %s", ErrUnknownValue, c.Engine, oneOf(engineNames)))
	}
	if c.Mode != "" && !contains(modeNames, string(c.Mode)) {
		fail("mode", fmt.Errorf("%w %q: want %s", ErrUnknownValue, c.Mode, oneOf(modeNames)))
	}
	if err := checkConfidence(c.MinConfidence); err != nil {
		fail("min_confidence", err)
	}
	if !c.Action.valid() {
		fail("action", fmt.Errorf("%w %d: want %s", ErrUnknownValue, uint8(c.Action), oneOf(actionNames[1:])))
	}
	if c.KnownSpam != "" {
		fail("known_spam", fmt.Errorf("%w yet: recordings of known spam (%q) are not matched by this version, and would be ignored; remove the key or leave it empty", ErrNotSupported, c.KnownSpam))
	}
	if c.Hold < 0 {
		fail("hold", fmt.Errorf("%w: %v is negative; 0 holds for the rest of the stream", ErrRange, c.Hold))
	}
	if c.Queue.Last < c.Queue.First {
		fail("queue", fmt.Errorf("%w %d-%d: the lower number comes first", ErrBadQueue, c.Queue.First, c.Queue.Last))
	}
	if c.QueueLength == 0 {
		fail("queue_length", fmt.Errorf("%w: 0 packets; want at least 1 (default 4096)", ErrRange))
	}
	for _, r := range c.RTPPorts {
		if r.Lo == 0 || r.Hi < r.Lo {
			fail("rtp_ports", fmt.Errorf("%w: %d-%d: want ports 1-65535, the lower first", ErrBadPorts, r.Lo, r.Hi))
			break
		}
	}
	if c.Metrics != "" {
		if err := checkHostPort(c.Metrics); err != nil {
			fail("metrics", err)
		}
	}
	if c.Hooks.Webhook != "" {
		if err := checkURL(c.Hooks.Webhook); err != nil {
			fail("hooks.webhook", err)
		}
	}
	if c.Hooks.Timeout < 0 || (c.Hooks.Timeout == 0 && (c.Hooks.Exec != "" || c.Hooks.Webhook != "")) {
		fail("hooks.timeout", fmt.Errorf("%w: %v; want a positive duration such as 5s when a hook is set", ErrRange, c.Hooks.Timeout))
	}

	names := map[string]string{} // rule name -> field of the rule that has it
	name := func(field, n string) {
		if first, dup := names[n]; dup {
			if c.src != nil {
				if _, named := c.src.pos[field+".name"]; named {
					field += ".name"
				}
			}
			fail(field, fmt.Errorf("%w: name %q is already used by %s", ErrDuplicateRule, n, c.where(first)))
			return
		}
		names[n] = field
	}
	usesMark := c.Action == ActionMark
	phrases := map[string]int{} // normalised text -> index
	for i, p := range c.Banned {
		field := fmt.Sprintf("banned[%d]", i)
		usesMark = usesMark || p.Action == ActionMark
		c.checkRule(field, p.Action, p.MinConfidence, fail)
		if c.badField(field) {
			continue
		}
		text := NormalizePhrase(p.Text)
		if text == "" {
			if p.Text == "" {
				fail(field, ErrEmptyPhrase)
			} else {
				fail(field, fmt.Errorf("%w: %q has no words", ErrEmptyPhrase, p.Text))
			}
			continue
		}
		if j, dup := phrases[text]; dup {
			first := fmt.Sprintf("banned[%d]", j)
			if c.Banned[j].Text == p.Text {
				fail(field, fmt.Errorf("%w: %q is already %s", ErrDuplicateRule, p.Text, c.where(first)))
			} else {
				fail(field, fmt.Errorf("%w: %q normalises to %q, as %s does", ErrDuplicateRule, p.Text, text, c.where(first)))
			}
			continue
		}
		phrases[text] = i
		name(field, or(p.Name, text))
	}
	exprs := map[string]string{}
	for i, p := range c.Patterns {
		field := fmt.Sprintf("patterns[%d]", i)
		usesMark = usesMark || p.Action == ActionMark
		c.checkRule(field, p.Action, p.MinConfidence, fail)
		if c.badField(field) {
			continue
		}
		if err := checkPattern(p.Expr); err != nil {
			fail(field, err)
			continue
		}
		if first, dup := exprs[p.Expr]; dup {
			fail(field, fmt.Errorf("%w: %q is already %s", ErrDuplicateRule, p.Expr, c.where(first)))
			continue
		}
		exprs[p.Expr] = field
		name(field, or(p.Name, p.Expr))
	}
	if c.Mode == ModeKeyword && len(c.Patterns) > 0 {
		fail("mode", fmt.Errorf("%w: mode keyword hears only the banned phrases, so no pattern (%d configured) would ever match; use auto, full or both", ErrConflict, len(c.Patterns)))
	}
	if c.Mode == ModeBoth && c.Engine == EngineVosk {
		fail("mode", fmt.Errorf("%w: mode both is PocketSphinx's; with engine vosk use auto, keyword or full", ErrConflict))
	}
	if usesMark && c.Mark == 0 {
		fail("mark", fmt.Errorf("%w: 0 is no mark; set a non-zero mark for action mark", ErrRange))
	}
	if len(errs) == 0 {
		return nil
	}
	return joinErrors(errs)
}

// checkRule checks a rule's overrides.
func (c *Config) checkRule(field string, a Action, conf *float64, fail func(string, error)) {
	if !a.valid() {
		fail(field+".action", fmt.Errorf("%w %d: want %s", ErrUnknownValue, uint8(a), oneOf(actionNames[1:])))
	}
	if conf != nil {
		if err := checkConfidence(*conf); err != nil {
			fail(field+".min_confidence", err)
		}
	}
}

// where names a field for a message, with its line when known.
func (c *Config) where(field string) string {
	if c.src != nil {
		if p, ok := c.src.pos[field]; ok {
			return fmt.Sprintf("%s (line %d)", field, p.line)
		}
	}
	return field
}

func checkConfidence(f float64) error {
	if !(f >= 0 && f <= 1) {
		return fmt.Errorf("%w: %v is not in 0..1", ErrRange, f)
	}
	return nil
}

func checkPattern(expr string) error {
	if expr == "" {
		return fmt.Errorf("%w: empty pattern (it would match every transcript)", ErrBadPattern)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadPattern, err)
	}
	if re.MatchString("") {
		return fmt.Errorf("%w: %q matches an empty transcript, so it would match every stream", ErrBadPattern, expr)
	}
	return nil
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%w %q: want host:port such as 127.0.0.1:9310 or [::1]:9310", ErrBadAddress, s)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("%w %q: port %q is not a number from 1 to 65535", ErrBadAddress, s, port)
	}
	_ = host // "" listens on every address, as net.Listen does
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%w %q: %v", ErrBadAddress, s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w %q: want an http:// or https:// URL with a host", ErrBadAddress, s)
	}
	return nil
}

// joinErrors sorts errors by file position (errors without one first, in
// the order found) and joins them.
func joinErrors(errs []error) error {
	slices.SortStableFunc(errs, func(a, b error) int {
		var ea, eb *Error
		errors.As(a, &ea)
		errors.As(b, &eb)
		if ea == nil || eb == nil {
			return 0
		}
		if ea.Line != eb.Line {
			return ea.Line - eb.Line
		}
		return ea.Column - eb.Column
	})
	return errors.Join(errs...)
}

// unjoin undoes errors.Join.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// UsesMark tells whether action mark is the default action or any rule's,
// so that packets may leave spitfilter with Mark set.
func (c *Config) UsesMark() bool {
	if c.Action == ActionMark {
		return true
	}
	for _, b := range c.Banned {
		if b.Action == ActionMark {
			return true
		}
	}
	for _, p := range c.Patterns {
		if p.Action == ActionMark {
			return true
		}
	}
	return false
}
