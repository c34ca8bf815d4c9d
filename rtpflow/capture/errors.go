package capture

import (
	"errors"
	"fmt"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrNotCapture: the input is neither a pcap nor a pcapng file (or is
	// empty).
	ErrNotCapture = errors.New("not a pcap or pcapng file")
	// ErrTruncated: the file ends inside its header or a record.
	ErrTruncated = errors.New("truncated record")
	// ErrCorrupt: a header or record holds impossible values.
	ErrCorrupt = errors.New("corrupt record")
)

// Error is a damaged capture file: where, and after how many good packets.
type Error struct {
	File    string // the name given to NewReader
	Offset  int64  // byte offset of the bad record; see Reader.Offset for its precision
	Packets int    // packets returned before it
	Err     error  // wraps ErrTruncated or ErrCorrupt, and the cause
}

// Error reads like "call.pcap: truncated record at byte 81234 after 4012
// packets: unexpected EOF".
func (e *Error) Error() string {
	var re *recordError
	if errors.As(e.Err, &re) {
		if re.header {
			return fmt.Sprintf("%s: %s: %v", e.File, re.what, re.cause)
		}
		return fmt.Sprintf("%s: %s at byte %d after %d packets: %v", e.File, re.what, e.Offset, e.Packets, re.cause)
	}
	return fmt.Sprintf("%s: at byte %d after %d packets: %v", e.File, e.Offset, e.Packets, e.Err)
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// recordError pairs a sentinel with the cause the pcapgo reader gave.
type recordError struct {
	kind   error  // ErrTruncated or ErrCorrupt
	what   string // how Error names the problem
	header bool   // in the file header, not a record
	cause  error
}

func (e *recordError) Error() string   { return e.what + ": " + e.cause.Error() }
func (e *recordError) Unwrap() []error { return []error{e.kind, e.cause} }
