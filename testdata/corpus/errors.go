package corpus

import "errors"

// Sentinel errors. Returned errors wrap one of these with what explains the
// failure (the tool, the file, the item); test with errors.Is.
var (
	// ErrTool reports an external tool (flite, espeak-ng, sox) that is
	// missing or failed.
	ErrTool = errors.New("corpus: tool failed")
	// ErrSource reports a human speech recording that is missing or
	// unusable.
	ErrSource = errors.New("corpus: bad source recording")
	// ErrItem reports an item whose audio breaks the corpus's rules
	// (a phrase not found once, a message too short or too long).
	ErrItem = errors.New("corpus: bad item")
	// ErrOptions reports invalid Options or an unusable directory.
	ErrOptions = errors.New("corpus: invalid options")
)
