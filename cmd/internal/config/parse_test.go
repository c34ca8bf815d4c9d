package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spitfilter/spitfilter/rtpflow"
)

// configDiff compares configs by their exported fields.
func configDiff(want, got *Config) string {
	return cmp.Diff(want, got, cmpopts.IgnoreUnexported(Config{}), cmpopts.EquateEmpty())
}

func ptr(f float64) *float64 { return &f }

func TestLoadSample(t *testing.T) {
	got, err := Load("testdata/sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.MinConfidence = 0.3
	want.Banned = []Phrase{
		{Text: "free cruise"},
		{Text: "Press 1!"},
		{Text: "social security number", Action: ActionDrop, MinConfidence: ptr(0.6)},
		{Text: "warranty", Name: "car-warranty"},
	}
	want.Patterns = []Pattern{
		{Expr: "press (one|nine) (now|to)"},
		{Expr: "gift cards?", Name: "gift-card", Action: ActionLog},
	}
	want.Queue = QueueRange{0, 3}
	want.RTPPorts = rtpflow.Ports{{Lo: 5004, Hi: 5004}, {Lo: 10000, Hi: 20000}}
	if diff := configDiff(want, got); diff != "" {
		t.Errorf("Load(sample.yaml) (-want +got):\n%s", diff)
	}
}

// TestSampleDocumentsEveryKey keeps the sample file and the schema in step:
// every key the parser knows appears in the sample, commented.
func TestSampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("testdata/sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sample := string(data)
	for _, keys := range [][]string{topKeys, phraseKeys, patternKeys, hookKeys} {
		for _, k := range keys {
			if !strings.Contains(sample, k+":") {
				t.Errorf("sample.yaml lacks key %q", k)
			}
		}
	}
	if n := strings.Count(sample, "Default"); n < len(topKeys)-2 {
		t.Errorf("sample.yaml states %d defaults for %d keys", n, len(topKeys))
	}
}

func TestParseEmptyIsDefault(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"empty", ""},
		{"comments only", "# nothing here\n\n"},
		{"null document", "~\n"},
		{"empty mapping", "{}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse("f.yaml", []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := configDiff(Default(), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	sample, err := Load("testdata/sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	every := Default()
	every.Engine, every.Model, every.Mode = EnginePocketSphinx, "/opt/ps model", ModeBoth
	every.MinConfidence = 0.125
	every.Banned = []Phrase{{Text: "42"}, {Text: "yes"}, {Text: "null"}, {Text: "- dash"}, {Text: "a: b", Name: "colon", MinConfidence: ptr(0)}}
	every.Patterns = []Pattern{{Expr: `\d+ dollars`, Action: ActionBleep}, {Expr: `'quoted'`, MinConfidence: ptr(1)}}
	every.Action, every.Hold, every.Mark = ActionMark, 90*time.Second, 7 // known_spam: refused (TestParseErrors)
	every.Queue, every.QueueLength, every.FailOpen = QueueRange{65535, 65535}, 1, false
	every.RTPPorts, every.Metrics, every.Events, every.Transcript = nil, "", "", true
	every.Hooks = Hooks{Exec: "/usr/local/bin/notify", Webhook: "https://example.com/hook?a=1", Timeout: 1500 * time.Millisecond}

	for _, tc := range []struct {
		name string
		c    *Config
	}{
		{"defaults", Default()},
		{"sample", sample},
		{"every field changed", every},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			data, err := tc.c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse("marshalled.yaml", data)
			if err != nil {
				t.Fatalf("Parse(Marshal()): %v\n%s", err, data)
			}
			if diff := configDiff(tc.c, got); diff != "" {
				t.Errorf("Parse(Marshal()) (-want +got):\n%s\n%s", diff, data)
			}
		})
	}
}

// TestParseErrors has one case per error class, each with the exact
// messages: file, line, column, field and detail.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		is   error
		want []string
	}{
		{"syntax", "banned: [free cruise\n", ErrSyntax, []string{
			"f.yaml:1: yaml syntax error: did not find expected ',' or ']'"}},
		{"tab indentation", "hooks:\n\texec: x\n", ErrSyntax, []string{
			"f.yaml:2: yaml syntax error: found character that cannot start any token"}},
		{"undefined alias", "action: drop\nbanned:\n  - x\n  - *nope\n", ErrSyntax, []string{
			"f.yaml:4:5: yaml syntax error: unknown anchor 'nope' referenced"}},
		{"two documents", "engine: vosk\n---\nengine: pocketsphinx\n", ErrSyntax, []string{
			"f.yaml:2:1: yaml syntax error: a config file holds one YAML document, found a second"}},
		{"not a mapping", "- free cruise\n", ErrType, []string{
			"f.yaml:1:1: wrong type: the file must be a mapping of settings (key: value), not a list"}},
		{"unknown key, close", "engine: vosk\nbaned:\n  - x\n", ErrUnknownKey, []string{
			`f.yaml:2:1: unknown key "baned"; did you mean "banned"?`}},
		{"unknown key, far", "colour: red\n", ErrUnknownKey, []string{
			`f.yaml:1:1: unknown key "colour"; known keys: engine, model, mode, min_confidence, banned, patterns, known_spam, action, hold, mark, queue, queue_length, fail_open, rtp_ports, metrics, events, transcript, hooks`}},
		{"unknown key in a rule", "banned:\n  - phrase: x\n    actoin: drop\n", ErrUnknownKey, []string{
			`f.yaml:3:5: banned[0]: unknown key "actoin"; did you mean "action"?`}},
		{"unknown key in hooks", "hooks:\n  url: http://x\n", ErrUnknownKey, []string{
			`f.yaml:2:3: hooks: unknown key "url"; known keys: exec, webhook, timeout`}},
		{"duplicate key", "action: mute\nqueue: 1\naction: drop\n", ErrDuplicateKey, []string{
			"f.yaml:3:1: action: duplicate key: already set on line 1"}},
		{"string where a list belongs", "banned: free cruise\n", ErrType, []string{
			`f.yaml:1:9: banned: wrong type: want a list (items starting with "- "), got "free cruise"`}},
		{"list where a string belongs", "model: [a, b]\n", ErrType, []string{
			"f.yaml:1:8: model: wrong type: want a string, got a list"}},
		{"yes is not a boolean", "fail_open: yes\n", ErrType, []string{
			`f.yaml:1:12: fail_open: wrong type: want true or false, got "yes"`}},
		{"string confidence", "min_confidence: high\n", ErrType, []string{
			`f.yaml:1:17: min_confidence: wrong type: want a number, got "high"`}},
		{"duration without unit", "hold: 30\n", ErrType, []string{
			"f.yaml:1:7: hold: wrong type: want a duration with a unit such as 30s, got 30"}},
		{"bad duration", "hooks:\n  timeout: soon\n", ErrType, []string{
			`f.yaml:2:12: hooks.timeout: wrong type: want a duration such as 5s or 1m30s, got "soon"`}},
		{"negative hold", "hold: -1s\n", ErrRange, []string{
			"f.yaml:1:7: hold: out of range: -1s is negative; 0 holds for the rest of the stream"}},
		{"rule item is a list", "banned:\n  - [a, b]\n", ErrType, []string{
			"f.yaml:2:5: banned[0]: wrong type: want a phrase or a mapping with a phrase key, got a list"}},
		{"unknown engine", "engine: whisper\n", ErrUnknownValue, []string{
			`f.yaml:1:9: engine: unknown value "whisper": want auto, vosk or pocketsphinx`}},
		{"unknown mode", "mode: fast\n", ErrUnknownValue, []string{
			`f.yaml:1:7: mode: unknown value "fast": want auto, keyword, full or both`}},
		{"unknown action", "action: mute\nbanned:\n  - phrase: x\n    action: silence\n", ErrUnknownValue, []string{
			`f.yaml:4:13: banned[0].action: unknown value "silence": want mute, bleep, drop, mark or log`}},
		{"confidence above 1", "min_confidence: 1.5\n", ErrRange, []string{
			"f.yaml:1:17: min_confidence: out of range: 1.5 is not in 0..1"}},
		{"rule confidence below 0", "patterns:\n  - pattern: x+\n    min_confidence: -0.1\n", ErrRange, []string{
			"f.yaml:3:21: patterns[0].min_confidence: out of range: -0.1 is not in 0..1"}},
		{"confidence NaN", "min_confidence: .nan\n", ErrRange, []string{
			"f.yaml:1:17: min_confidence: out of range: NaN is not in 0..1"}},
		{"empty phrase", "banned:\n  - free cruise\n  - ''\n  - phrase:\n  -\n", ErrEmptyPhrase, []string{
			"f.yaml:3:5: banned[1]: empty phrase",
			"f.yaml:4:12: banned[2]: empty phrase",
			"f.yaml:5:4: banned[3]: empty phrase"}},
		{"phrase without words", "banned:\n  - '?!'\n", ErrEmptyPhrase, []string{
			`f.yaml:2:5: banned[0]: empty phrase: "?!" has no words`}},
		{"mapping without phrase", "banned:\n  - name: x\n", ErrEmptyPhrase, []string{
			"f.yaml:2:5: banned[0]: empty phrase: the mapping has no phrase key"}},
		{"duplicate phrase", "banned:\n  - free cruise\n  - press 1\n  - free cruise\n  - Press one!\n", ErrDuplicateRule, []string{
			`f.yaml:4:5: banned[2]: duplicate rule: "free cruise" is already banned[0] (line 2)`,
			`f.yaml:5:5: banned[3]: duplicate rule: "Press one!" normalises to "press one", as banned[1] (line 3) does`}},
		{"duplicate pattern", "patterns:\n  - a+\n  - a+\n", ErrDuplicateRule, []string{
			`f.yaml:3:5: patterns[1]: duplicate rule: "a+" is already patterns[0] (line 2)`}},
		{"duplicate rule name", "banned:\n  - phrase: cruise\n    name: x\npatterns:\n  - pattern: b+\n    name: x\n", ErrDuplicateRule, []string{
			`f.yaml:6:11: patterns[0].name: duplicate rule: name "x" is already used by banned[0] (line 2)`}},
		{"bad regexp", "patterns:\n  - 'press (one'\n", ErrBadPattern, []string{
			"f.yaml:2:5: patterns[0]: bad pattern: error parsing regexp: missing closing ): `press (one`"}},
		{"perl-only regexp", "patterns:\n  - 'press (?=one)'\n", ErrBadPattern, []string{
			"f.yaml:2:5: patterns[0]: bad pattern: error parsing regexp: invalid or unsupported Perl syntax: `(?=`"}},
		{"pattern matching everything", "patterns:\n  - '(free)?'\n", ErrBadPattern, []string{
			`f.yaml:2:5: patterns[0]: bad pattern: "(free)?" matches an empty transcript, so it would match every stream`}},
		{"empty pattern", "patterns:\n  - pattern: ''\n", ErrBadPattern, []string{
			"f.yaml:2:14: patterns[0]: bad pattern: empty pattern (it would match every transcript)"}},
		{"ports reversed", "rtp_ports: 5004,20000-10000\n", ErrBadPorts, []string{
			`f.yaml:1:12: rtp_ports: bad port ranges: "20000-10000": 20000 is above 10000`}},
		{"port zero", "rtp_ports: 0-100\n", ErrBadPorts, []string{
			`f.yaml:1:12: rtp_ports: bad port ranges: "0-100": port must be a number from 1 to 65535, got "0"`}},
		{"queue reversed", "queue: 3-1\n", ErrBadQueue, []string{
			`f.yaml:1:8: queue: bad queue "3-1": want a range like 0-3, numbers 0-65535, the lower first`}},
		{"queue not a number", "queue: first\n", ErrBadQueue, []string{
			`f.yaml:1:8: queue: bad queue "first": want a queue number 0-65535 or a range like 0-3`}},
		{"queue length zero", "queue_length: 0\n", ErrRange, []string{
			"f.yaml:1:15: queue_length: out of range: 0 packets; want at least 1 (default 4096)"}},
		{"mark too large", "mark: 0x100000000\n", ErrRange, []string{
			"f.yaml:1:7: mark: out of range: 0x100000000 is not in 0..4294967295"}},
		{"mark zero with action mark", "mark: 0\nbanned:\n  - phrase: x\n    action: mark\n", ErrRange, []string{
			"f.yaml:1:7: mark: out of range: 0 is no mark; set a non-zero mark for action mark"}},
		{"metrics without port", "metrics: localhost\n", ErrBadAddress, []string{
			`f.yaml:1:10: metrics: bad address "localhost": want host:port such as 127.0.0.1:9310 or [::1]:9310`}},
		{"webhook not http", "hooks:\n  webhook: ftp://example.com/\n", ErrBadAddress, []string{
			`f.yaml:2:12: hooks.webhook: bad address "ftp://example.com/": want an http:// or https:// URL with a host`}},
		{"hook without timeout", "hooks:\n  exec: /bin/true\n  timeout: 0s\n", ErrRange, []string{
			"f.yaml:3:12: hooks.timeout: out of range: 0s; want a positive duration such as 5s when a hook is set"}},
		{"patterns with mode keyword", "mode: keyword\npatterns:\n  - gift cards?\n", ErrConflict, []string{
			"f.yaml:1:7: mode: conflicting settings: mode keyword hears only the banned phrases, so no pattern (1 configured) would ever match; use auto, full or both"}},
		{"known spam recordings", "action: drop\nknown_spam: spam/\n", ErrNotSupported, []string{
			`f.yaml:2:13: known_spam: not supported yet: recordings of known spam ("spam/") are not matched by this version, and would be ignored; remove the key or leave it empty`}},
		{"mode both with vosk", "engine: vosk\nmode: both\n", ErrConflict, []string{
			"f.yaml:2:7: mode: conflicting settings: mode both is PocketSphinx's; with engine vosk use auto, keyword or full"}},
		{"every error, in file order", "engine: vosq\nbanned:\n  - ''\n  - x\n  - X\nqueue: 9-8\nfail_open: 1\n", ErrUnknownValue, []string{
			`f.yaml:1:9: engine: unknown value "vosq": want auto, vosk or pocketsphinx`,
			"f.yaml:3:5: banned[0]: empty phrase",
			`f.yaml:5:5: banned[2]: duplicate rule: "X" normalises to "x", as banned[1] (line 4) does`,
			`f.yaml:6:8: queue: bad queue "9-8": want a range like 0-3, numbers 0-65535, the lower first`,
			"f.yaml:7:12: fail_open: wrong type: want true or false, got the number 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("f.yaml", []byte(tc.data))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tc.data)
			}
			if c != nil {
				t.Error("Parse returned a Config with an error")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error is not %v: %v", tc.is, err)
			}
			if diff := cmp.Diff(tc.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "f.yaml" || e.Line == 0 {
				t.Errorf("error %#v is not an *Error with a file and line", e)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	_, err := Load(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(%q) = %v, want a not-exist error naming the path", path, err)
	}
}

func TestParseAcceptedForms(t *testing.T) {
	tests := []struct {
		name string
		data string
		edit func(c *Config)
	}{
		{"queue as a number", "queue: 2\n", func(c *Config) { c.Queue = QueueRange{2, 2} }},
		{"single port as a number", "rtp_ports: 5004\n", func(c *Config) { c.RTPPorts = rtpflow.Ports{{Lo: 5004, Hi: 5004}} }},
		{"no ports", "rtp_ports: ''\n", func(c *Config) { c.RTPPorts = nil }},
		{"mark in decimal", "mark: 21328\n", func(c *Config) {}},
		{"mark quoted hex", "mark: '0xff'\n", func(c *Config) { c.Mark = 255 }},
		{"hold 0 without unit", "hold: 0\n", func(c *Config) {}},
		{"confidence as integer", "min_confidence: 1\n", func(c *Config) { c.MinConfidence = 1 }},
		{"null string", "model:\nmetrics: ~\n", func(c *Config) { c.Metrics = "" }},
		{"null lists", "banned:\npatterns: ~\nhooks:\n", func(c *Config) {}},
		{"number phrase", "banned:\n  - 911\n", func(c *Config) { c.Banned = []Phrase{{Text: "911"}} }},
		{"flow style", "banned: [free cruise, {phrase: gift card, action: log}]\n", func(c *Config) {
			c.Banned = []Phrase{{Text: "free cruise"}, {Text: "gift card", Action: ActionLog}}
		}},
		{"anchors and aliases", "action: &a drop\nbanned:\n  - &p free cruise\npatterns:\n  - pattern: x+\n    action: *a\n", func(c *Config) {
			c.Action = ActionDrop
			c.Banned = []Phrase{{Text: "free cruise"}}
			c.Patterns = []Pattern{{Expr: "x+", Action: ActionDrop}}
		}},
		{"ipv6 metrics", "metrics: '[::1]:9310'\n", func(c *Config) { c.Metrics = "[::1]:9310" }},
		{"every interface metrics", "metrics: ':9310'\n", func(c *Config) { c.Metrics = ":9310" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse("f.yaml", []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			tc.edit(want)
			if diff := configDiff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateInCode(t *testing.T) {
	c := Default()
	c.Engine = "kaldi"
	c.Action = Action(42)
	c.Queue = QueueRange{5, 1}
	c.RTPPorts = rtpflow.Ports{{Lo: 0, Hi: 10}}
	c.Banned = []Phrase{{Text: "x"}, {Text: "x", MinConfidence: ptr(2)}}
	want := []string{
		`engine: unknown value "kaldi": want auto, vosk or pocketsphinx`,
		"action: unknown value 42: want mute, bleep, drop, mark or log",
		"queue: bad queue 5-1: the lower number comes first",
		"rtp_ports: bad port ranges: 0-10: want ports 1-65535, the lower first",
		"banned[1].min_confidence: out of range: 2 is not in 0..1",
		`banned[1]: duplicate rule: "x" is already banned[0]`,
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted a bad Config")
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("Validate (-want +got):\n%s", diff)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	if err := (&Config{QueueLength: 1}).Validate(); err != nil {
		t.Errorf("a near-zero Config: %v", err)
	}
}

func TestUsesMark(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want bool
	}{
		{"banned: [car warranty]\n", false},
		{"banned: [car warranty]\naction: mark\n", true},
		{"banned:\n  - phrase: car warranty\n    action: mark\n", true},
		{"patterns:\n  - pattern: 'press (one|1)'\n    action: mark\n", true},
		{"patterns:\n  - pattern: 'press (one|1)'\n    action: drop\n", false},
	} {
		c, err := Parse("t.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		if got := c.UsesMark(); got != tc.want {
			t.Errorf("%q: UsesMark %v, want %v", tc.yaml, got, tc.want)
		}
	}
}
