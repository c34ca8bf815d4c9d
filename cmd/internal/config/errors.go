package config

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Parse, Validate and AddWords return is an
// [*Error] (joined with errors.Join when there are several) that wraps one of
// these, so callers can test with errors.Is.
var (
	// ErrSyntax: the file is not well-formed YAML.
	ErrSyntax = errors.New("yaml syntax error")
	// ErrUnknownKey: a mapping has a key the schema does not know.
	ErrUnknownKey = errors.New("unknown key")
	// ErrDuplicateKey: a mapping has the same key twice.
	ErrDuplicateKey = errors.New("duplicate key")
	// ErrType: a value has the wrong YAML type (a list where a string
	// belongs, a string where a number belongs, ...).
	ErrType = errors.New("wrong type")
	// ErrUnknownValue: an enumerated field (engine, mode, action) has a
	// value outside its set.
	ErrUnknownValue = errors.New("unknown value")
	// ErrRange: a number or duration is outside its allowed range.
	ErrRange = errors.New("out of range")
	// ErrEmptyPhrase: a banned phrase has no words once normalised.
	ErrEmptyPhrase = errors.New("empty phrase")
	// ErrDuplicateRule: two banned phrases normalise to the same words, two
	// patterns are the same expression, or two rules share a name.
	ErrDuplicateRule = errors.New("duplicate rule")
	// ErrBadPattern: a pattern is not a valid RE2 regular expression, or it
	// matches an empty transcript (it would fire on every stream).
	ErrBadPattern = errors.New("bad pattern")
	// ErrBadPorts: rtp_ports is not a list of port ranges.
	ErrBadPorts = errors.New("bad port ranges")
	// ErrBadQueue: queue is not a queue number or a range "lo-hi".
	ErrBadQueue = errors.New("bad queue")
	// ErrBadAddress: metrics is not host:port, or a hook URL is unusable.
	ErrBadAddress = errors.New("bad address")
	// ErrConflict: settings that are fine alone cannot work together
	// (patterns with mode keyword; mode both with engine vosk).
	ErrConflict = errors.New("conflicting settings")
	// ErrNotSupported: a setting of the schema this version does not
	// carry out yet (known_spam). It is refused rather than ignored, so a
	// config never promises protection the tools do not give.
	ErrNotSupported = errors.New("not supported")
)

// Error is one problem in a configuration, with where it is.
type Error struct {
	// File is the name given to Parse or Load; "" for a Config built in
	// code.
	File string
	// Line and Column locate the offending YAML node, counting from 1;
	// 0 when unknown (a Config built or changed in code).
	Line, Column int
	// Field is the path of the offending field: "queue", "banned[3]",
	// "patterns[0].min_confidence", "hooks.timeout".
	Field string
	// Err wraps one of the sentinel errors with the detail.
	Err error
}

// Error formats the error as "file:line:col: field: detail", leaving out
// the parts that are unknown (a YAML syntax error has no column).
func (e *Error) Error() string {
	var s string
	if e.File != "" {
		s = e.File + ":"
	}
	if e.Line > 0 {
		s += fmt.Sprintf("%d:", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf("%d:", e.Column)
		}
	}
	if s != "" {
		s += " "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }
