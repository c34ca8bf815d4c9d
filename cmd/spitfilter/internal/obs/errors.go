package obs

import "errors"

var (
	// ErrProcFormat: /proc/net/netfilter/nfnetlink_queue has a line this
	// package cannot read. The wrapping error names the line and field.
	ErrProcFormat = errors.New("obs: unexpected nfnetlink_queue format")
	// ErrConfig: a WriterConfig, HooksConfig or CollectorConfig is not
	// usable. The wrapping error names the field and what is wrong.
	ErrConfig = errors.New("obs: bad configuration")
	// ErrClosed: the Writer or Hooks was closed.
	ErrClosed = errors.New("obs: closed")
	// ErrHook: a hook run or POST failed. The wrapping error says which
	// hook and how (exit status, timeout, HTTP status).
	ErrHook = errors.New("obs: hook failed")
)

// errNumber is the detail of an ErrProcFormat for a field that is not a
// decimal number.
var errNumber = errors.New("not a decimal number")
