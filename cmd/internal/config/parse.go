package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/spitfilter/spitfilter/rtpflow"
)

// Load reads and parses the config file at path; errors name the path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a config file's contents and validates the result. name is
// the file's name as errors should show it. Keys missing from the file keep
// their Default values; an empty file is the default configuration. On
// error Parse returns every problem it found, joined (errors.Join), each an
// [*Error] naming name, line, column and field, in file order.
func Parse(name string, data []byte) (*Config, error) {
	c := Default()
	c.src = &source{file: name, pos: map[string]position{}, bad: map[string]bool{}}
	d := &decoder{c: c, src: c.src}
	d.document(data)
	errs := d.errs
	if err := c.Validate(); err != nil {
		errs = append(errs, unjoin(err)...)
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return c, nil
}

// Top-level keys, in the order of the sample file.
var (
	topKeys     = []string{"engine", "model", "mode", "min_confidence", "banned", "patterns", "known_spam", "action", "hold", "mark", "queue", "queue_length", "fail_open", "rtp_ports", "metrics", "events", "transcript", "hooks"}
	phraseKeys  = []string{"phrase", "name", "action", "min_confidence"}
	patternKeys = []string{"pattern", "name", "action", "min_confidence"}
	hookKeys    = []string{"exec", "webhook", "timeout"}
)

// decoder walks the YAML node tree into a Config, collecting errors.
type decoder struct {
	c    *Config
	src  *source
	errs []error
}

// fail records an error at node n for field and marks the field bad.
func (d *decoder) fail(n *yaml.Node, field string, err error) {
	d.errs = append(d.errs, &Error{File: d.src.file, Line: n.Line, Column: n.Column, Field: field, Err: err})
	d.src.bad[field] = true
}

// report records an error at node n that leaves field's value usable.
func (d *decoder) report(n *yaml.Node, field string, err error) {
	d.errs = append(d.errs, &Error{File: d.src.file, Line: n.Line, Column: n.Column, Field: field, Err: err})
}

// at records where field's value is.
func (d *decoder) at(n *yaml.Node, field string) {
	d.src.pos[field] = position{n.Line, n.Column}
}

// yamlLine finds the line in a yaml.v3 error message ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlAnchor finds the alias in yaml.v3's "unknown anchor" error.
var yamlAnchor = regexp.MustCompile(`^unknown anchor '(.+)' referenced$`)

func (d *decoder) document(data []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			d.syntax(err, data)
		}
		return
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntax(err, data)
	default:
		d.fail(&extra, "", fmt.Errorf("%w: a config file holds one YAML document, found a second", ErrSyntax))
	}
	if len(doc.Content) == 0 {
		return
	}
	root := resolve(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return // only comments, or "~"
	}
	if root.Kind != yaml.MappingNode {
		d.fail(root, "", fmt.Errorf("%w: the file must be a mapping of settings (key: value), not %s", ErrType, describe(root)))
		return
	}
	d.top(root)
}

// syntax records a yaml.v3 syntax error. Its line is yaml.v3's, which for
// some errors is where the enclosing construct starts rather than the
// offending character; an undefined alias, which yaml.v3 gives no line, is
// found in data.
func (d *decoder) syntax(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: d.src.file, Err: fmt.Errorf("%w: %s", ErrSyntax, msg)}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Err = fmt.Errorf("%w: %s", ErrSyntax, err.Error()[len(m[0]):])
	} else if m := yamlAnchor.FindStringSubmatch(msg); m != nil {
		for i, line := range bytes.Split(data, []byte("\n")) {
			if c := bytes.Index(line, []byte("*"+m[1])); c >= 0 {
				e.Line, e.Column = i+1, c+1
				break
			}
		}
	}
	d.errs = append(d.errs, e)
}

func (d *decoder) top(n *yaml.Node) {
	c := d.c
	d.mapping(n, "", topKeys, func(key string, v *yaml.Node) {
		switch key {
		case "engine":
			d.str(v, key, (*string)(&c.Engine))
		case "model":
			d.str(v, key, &c.Model)
		case "mode":
			d.str(v, key, (*string)(&c.Mode))
		case "min_confidence":
			d.float(v, key, &c.MinConfidence)
		case "banned":
			d.banned(v)
		case "patterns":
			d.patterns(v)
		case "known_spam":
			d.str(v, key, &c.KnownSpam)
		case "action":
			d.action(v, key, &c.Action)
		case "hold":
			d.duration(v, key, &c.Hold)
		case "mark":
			d.uint32(v, key, &c.Mark)
		case "queue":
			if s, ok := d.scalar(v, key, "a queue number or a range like 0-3", "!!str", "!!int"); ok {
				q, err := ParseQueue(s)
				if err != nil {
					d.fail(v, key, err)
					return
				}
				c.Queue = q
			}
		case "queue_length":
			d.uint32(v, key, &c.QueueLength)
		case "fail_open":
			d.bool(v, key, &c.FailOpen)
		case "rtp_ports":
			if s, ok := d.scalar(v, key, "port ranges like 5004,10000-20000", "!!str", "!!int", "!!null"); ok {
				ps, err := rtpflow.ParsePorts(s)
				if err != nil {
					d.fail(v, key, fmt.Errorf("%w: %s", ErrBadPorts, strings.TrimPrefix(err.Error(), rtpflow.ErrBadPortRange.Error()+" ")))
					return
				}
				c.RTPPorts = ps
			}
		case "metrics":
			d.str(v, key, &c.Metrics)
		case "events":
			d.str(v, key, &c.Events)
		case "transcript":
			d.bool(v, key, &c.Transcript)
		case "hooks":
			d.hooks(v)
		}
	})
}

func (d *decoder) banned(n *yaml.Node) {
	d.ruleItems(n, "banned", "phrase", "a phrase", phraseKeys, ErrEmptyPhrase, func(r ruleItem) {
		d.c.Banned = append(d.c.Banned, Phrase{Text: r.text, Name: r.name, Action: r.action, MinConfidence: r.minConfidence})
	})
}

func (d *decoder) patterns(n *yaml.Node) {
	d.ruleItems(n, "patterns", "pattern", "a regular expression", patternKeys, ErrBadPattern, func(r ruleItem) {
		d.c.Patterns = append(d.c.Patterns, Pattern{Expr: r.text, Name: r.name, Action: r.action, MinConfidence: r.minConfidence})
	})
}

// ruleItem is one item of banned or patterns: its text (the phrase or the
// expression) and the optional per-rule settings.
type ruleItem struct {
	text, name    string
	action        Action
	minConfidence *float64
}

// ruleItems decodes the list list, whose items are either the text itself
// or a mapping with textKey and the optional name, action and
// min_confidence. Every item is added, also a bad one (then empty), so that
// indexes keep to the file's; Validate skips the bad field.
func (d *decoder) ruleItems(n *yaml.Node, list, textKey, what string, keys []string, missing error, add func(ruleItem)) {
	if !d.list(n, list) {
		return
	}
	for i, item := range n.Content {
		item = resolve(item)
		field := fmt.Sprintf("%s[%d]", list, i)
		d.at(item, field)
		var r ruleItem
		switch item.Kind {
		case yaml.ScalarNode:
			r.text, _ = d.scalar(item, field, what, "!!str", "!!int", "!!float", "!!null")
		case yaml.MappingNode:
			found := false
			d.mapping(item, field+".", keys, func(key string, v *yaml.Node) {
				f := field + "." + key
				switch key {
				case textKey:
					found = true
					d.at(v, field)
					if s, ok := d.scalar(v, f, what, "!!str", "!!int", "!!float", "!!null"); ok {
						r.text = s
					} else {
						d.src.bad[field] = true
					}
				case "name":
					d.str(v, f, &r.name)
				case "action":
					d.action(v, f, &r.action)
				case "min_confidence":
					r.minConfidence = new(float64)
					d.float(v, f, r.minConfidence)
				}
			})
			if !found {
				d.fail(item, field, fmt.Errorf("%w: the mapping has no %s key", missing, textKey))
			}
		default:
			d.fail(item, field, fmt.Errorf("%w: want %s or a mapping with a %s key, got %s", ErrType, what, textKey, describe(item)))
		}
		add(r)
	}
}

func (d *decoder) hooks(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "hooks", fmt.Errorf("%w: want a mapping with exec, webhook, timeout, got %s", ErrType, describe(n)))
		return
	}
	h := &d.c.Hooks
	d.mapping(n, "hooks.", hookKeys, func(key string, v *yaml.Node) {
		f := "hooks." + key
		switch key {
		case "exec":
			d.str(v, f, &h.Exec)
		case "webhook":
			d.str(v, f, &h.Webhook)
		case "timeout":
			d.duration(v, f, &h.Timeout)
		}
	})
}

// mapping checks n's keys (strings, known, each once) and calls fn with
// each known key and its value, aliases resolved. prefix is the field path
// of the mapping with its trailing dot ("hooks.", "banned[2].").
func (d *decoder) mapping(n *yaml.Node, prefix string, known []string, fn func(key string, v *yaml.Node)) {
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.report(k, strings.TrimSuffix(prefix, "."), fmt.Errorf("%w: a key must be a name, got %s", ErrType, describe(k)))
			continue
		}
		field := prefix + k.Value
		if !contains(known, k.Value) {
			d.report(k, strings.TrimSuffix(prefix, "."), fmt.Errorf("%w %q%s", ErrUnknownKey, k.Value, suggest(k.Value, known)))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.report(k, field, fmt.Errorf("%w: already set on line %d", ErrDuplicateKey, line))
			continue
		}
		seen[k.Value] = k.Line
		d.at(v, field)
		fn(k.Value, v)
	}
}

// list checks that n is a sequence (or null, an empty list).
func (d *decoder) list(n *yaml.Node, field string) bool {
	if n.Kind == yaml.SequenceNode {
		return true
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!null" {
		d.fail(n, field, fmt.Errorf("%w: want a list (items starting with \"- \"), got %s", ErrType, describe(n)))
	}
	return false
}

// scalar returns n's text when it is a scalar with one of the tags.
func (d *decoder) scalar(n *yaml.Node, field, want string, tags ...string) (string, bool) {
	if n.Kind != yaml.ScalarNode || !contains(tags, n.ShortTag()) {
		d.fail(n, field, fmt.Errorf("%w: want %s, got %s", ErrType, want, describe(n)))
		return "", false
	}
	if n.ShortTag() == "!!null" {
		return "", true
	}
	return n.Value, true
}

func (d *decoder) str(n *yaml.Node, field string, dst *string) {
	if s, ok := d.scalar(n, field, "a string", "!!str", "!!null"); ok {
		*dst = s
	}
}

func (d *decoder) bool(n *yaml.Node, field string, dst *bool) {
	if s, ok := d.scalar(n, field, "true or false", "!!bool"); ok {
		*dst, _ = strconv.ParseBool(strings.ToLower(s))
	}
}

func (d *decoder) float(n *yaml.Node, field string, dst *float64) {
	if _, ok := d.scalar(n, field, "a number", "!!int", "!!float"); ok {
		if err := n.Decode(dst); err != nil {
			d.fail(n, field, fmt.Errorf("%w: %q is not a number", ErrType, n.Value))
		}
	}
}

func (d *decoder) uint32(n *yaml.Node, field string, dst *uint32) {
	s, ok := d.scalar(n, field, "a whole number", "!!int", "!!str")
	if !ok {
		return
	}
	u, err := strconv.ParseUint(strings.TrimSpace(s), 0, 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) || strings.HasPrefix(s, "-") {
			d.fail(n, field, fmt.Errorf("%w: %s is not in 0..%d", ErrRange, s, uint32(1<<32-1)))
		} else {
			d.fail(n, field, fmt.Errorf("%w: want a whole number (decimal or 0x hex), got %q", ErrType, s))
		}
		return
	}
	*dst = uint32(u)
}

func (d *decoder) duration(n *yaml.Node, field string, dst *time.Duration) {
	s, ok := d.scalar(n, field, "a duration such as 5s or 1m30s", "!!str", "!!int")
	if !ok {
		return
	}
	if n.ShortTag() == "!!int" && s != "0" {
		d.fail(n, field, fmt.Errorf("%w: want a duration with a unit such as %ss, got %s", ErrType, s, s))
		return
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		d.fail(n, field, fmt.Errorf("%w: want a duration such as 5s or 1m30s, got %q", ErrType, s))
		return
	}
	*dst = v
}

func (d *decoder) action(n *yaml.Node, field string, dst *Action) {
	s, ok := d.scalar(n, field, "an action", "!!str")
	if !ok {
		return
	}
	a, err := ParseAction(s)
	if err != nil {
		d.fail(n, field, err)
		return
	}
	*dst = a
}

// ParseQueue parses an NFQUEUE number or range: "2" or "0-3". Errors wrap
// ErrBadQueue.
func ParseQueue(s string) (QueueRange, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	l, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	if err != nil {
		return QueueRange{}, fmt.Errorf("%w %q: want a queue number 0-65535 or a range like 0-3", ErrBadQueue, s)
	}
	h := l
	if isRange {
		if h, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 16); err != nil || h < l {
			return QueueRange{}, fmt.Errorf("%w %q: want a range like 0-3, numbers 0-65535, the lower first", ErrBadQueue, s)
		}
	}
	return QueueRange{uint16(l), uint16(h)}, nil
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// describe names a node's type for an error message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "the boolean " + n.Value
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
	}
	return "an alias"
}

// suggest returns "; did you mean \"x\"?" for the known key closest to
// key, or the list of known keys when none is close.
func suggest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if dd := distance(strings.ToLower(key), k); dd < bestD {
			best, bestD = k, dd
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return "; known keys: " + strings.Join(known, ", ")
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
