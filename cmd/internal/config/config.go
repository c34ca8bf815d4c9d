package config

import (
	"fmt"
	"time"

	"github.com/spitfilter/spitfilter/rtpflow"
)

// Config is the whole configuration file. Start from [Default] (what an
// empty file means) or [Parse]/[Load]; a zero Config is not the defaults,
// because some empty values mean "off" (Metrics "" disables the metrics
// listener, whose default address is 127.0.0.1:9310). Call [Config.Validate]
// after changing a Config in code.
type Config struct {
	// Engine is the speech recognizer: auto (Vosk when a Vosk model is
	// found, else PocketSphinx), vosk or pocketsphinx. YAML engine,
	// default auto; "" means auto.
	Engine Engine
	// Model is the model directory. YAML model, default "": the engine's
	// default location.
	Model string
	// Mode is how the recognizer listens: auto, keyword (only the banned
	// phrases; not with patterns), full (everything) or both (keyword and
	// full side by side; PocketSphinx only). YAML mode, default auto; ""
	// means auto.
	Mode Mode
	// MinConfidence is the lowest recognizer confidence, 0 to 1, at which
	// a rule matches, for every rule that sets none. YAML min_confidence,
	// default 0 (any).
	MinConfidence float64
	// Banned are the banned words and phrases, matched case-insensitively
	// as whole words after NormalizePhrase. YAML banned, default none.
	Banned []Phrase
	// Patterns are RE2 regular expressions matched against the running
	// transcript, which is normalised as NormalizePhrase does. YAML
	// patterns, default none.
	Patterns []Pattern
	// KnownSpam is a directory of recordings of known spam messages to
	// fingerprint. YAML known_spam, default "": none. Not matched yet:
	// Validate refuses any other value (ErrNotSupported).
	KnownSpam string
	// Action is what a detection does to its stream unless the rule says
	// otherwise: mute, bleep, drop, mark or log. YAML action, default
	// mute; ActionInherit means mute.
	Action Action
	// Hold is how long an action lasts after the detection, in stream
	// (packet) time; 0 means the rest of the stream. YAML hold, a Go
	// duration such as 30s, default 0.
	Hold time.Duration
	// Mark is the nfmark value set by action mark. YAML mark, decimal or
	// 0x hex, default 0x5350; it must not be 0 when a rule's action is mark.
	Mark uint32
	// Queue is the NFQUEUE number or range, one reader per queue. YAML
	// queue, "0" or "0-3", default 0.
	Queue QueueRange
	// QueueLength is the kernel queue length in packets, per queue. YAML
	// queue_length, default 4096.
	QueueLength uint32
	// FailOpen lets packets pass when no reader listens or the queue is
	// full; false drops them (fail-closed). YAML fail_open, default true.
	FailOpen bool
	// RTPPorts are the UDP port ranges that carry RTP. YAML rtp_ports,
	// comma-separated ranges such as 5004,10000-20000, default
	// 10000-20000; "" means none (spitcheck then learns streams by
	// heuristic only).
	RTPPorts rtpflow.Ports
	// Metrics is the host:port of the Prometheus listener. YAML metrics,
	// default 127.0.0.1:9310; "" disables it.
	Metrics string
	// Events is where detection events go as JSON lines: "-" for standard
	// output, or a file path. YAML events, default "-"; "" disables them.
	Events string
	// Transcript puts recognised transcripts into events and reports.
	// Off by default for privacy. YAML transcript, default false.
	Transcript bool
	// Hooks are run on each detection. YAML hooks.
	Hooks Hooks

	// src is where a parsed Config came from; nil for one built in code.
	src *source
}

// Phrase is one banned word or phrase.
type Phrase struct {
	// Text is the phrase as written; rules use NormalizePhrase(Text).
	// YAML: the item itself, or its phrase key.
	Text string
	// Name names the rule in reports and events. YAML name, default the
	// normalised text.
	Name string
	// Action overrides Config.Action; ActionInherit keeps it. YAML action.
	Action Action
	// MinConfidence overrides Config.MinConfidence when not nil, 0 to 1.
	// YAML min_confidence.
	MinConfidence *float64
}

// Pattern is one regular expression over the transcript.
type Pattern struct {
	// Expr is the RE2 expression (Go regexp syntax). It must not match an
	// empty transcript. YAML: the item itself, or its pattern key.
	Expr string
	// Name names the rule in reports and events. YAML name, default Expr.
	Name string
	// Action overrides Config.Action; ActionInherit keeps it. YAML action.
	Action Action
	// MinConfidence overrides Config.MinConfidence when not nil, 0 to 1.
	// YAML min_confidence.
	MinConfidence *float64
}

// Hooks are programs and URLs told about each detection.
type Hooks struct {
	// Exec is a program run on each detection with the event JSON on its
	// standard input. YAML hooks.exec, default "": none.
	Exec string
	// Webhook is an http or https URL POSTed the event JSON on each
	// detection. YAML hooks.webhook, default "": none.
	Webhook string
	// Timeout bounds each hook run or POST. YAML hooks.timeout, a Go
	// duration, default 5s; it must be positive when a hook is set.
	Timeout time.Duration
}

// QueueRange is an inclusive range of NFQUEUE numbers.
type QueueRange struct {
	First, Last uint16
}

// Len is the number of queues in the range.
func (q QueueRange) Len() int { return int(q.Last) - int(q.First) + 1 }

// String formats the range as the config does: "2", or "0-3".
func (q QueueRange) String() string {
	if q.First == q.Last {
		return fmt.Sprint(q.First)
	}
	return fmt.Sprintf("%d-%d", q.First, q.Last)
}

// Default returns the configuration an empty file means.
func Default() *Config {
	return &Config{
		Engine:      EngineAuto,
		Mode:        ModeAuto,
		Action:      ActionMute,
		Mark:        0x5350,
		QueueLength: 4096,
		FailOpen:    true,
		RTPPorts:    rtpflow.Ports{{Lo: 10000, Hi: 20000}},
		Metrics:     "127.0.0.1:9310",
		Events:      "-",
		Hooks:       Hooks{Timeout: 5 * time.Second},
	}
}

// source records where a parsed Config's fields are in its file, so that
// Validate's errors can name lines.
type source struct {
	file string
	// pos maps a field path ("banned[3]", "hooks.timeout") to its node.
	pos map[string]position
	// bad holds the fields that failed to decode: already reported, so
	// Validate leaves them alone.
	bad map[string]bool
}

type position struct{ line, column int }

// errorAt makes an Error for field, located when the Config was parsed.
func (c *Config) errorAt(field string, err error) *Error {
	e := &Error{Field: field, Err: err}
	if c.src != nil {
		e.File = c.src.file
		p := c.src.pos[field]
		e.Line, e.Column = p.line, p.column
	}
	return e
}

// badField reports whether field failed to decode.
func (c *Config) badField(field string) bool { return c.src != nil && c.src.bad[field] }
