package enforce

import "errors"

// Sentinel errors; test for them with errors.Is. The errors returned wrap
// them with what was wrong and where ("enforce: action \"mutee\": unknown
// action: want mute, bleep, drop, mark or log").
var (
	// ErrAction: a configuration string names no action.
	ErrAction = errors.New("unknown action")
	// ErrDecision: a Decision that cannot be applied (no action, or a hold
	// that ends before it starts).
	ErrDecision = errors.New("invalid decision")
)
