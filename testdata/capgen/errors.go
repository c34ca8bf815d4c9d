package capgen

import "errors"

// Sentinel errors. Returned errors wrap one of these with the values that
// explain the failure; test with errors.Is.
var (
	// ErrStream reports an invalid Stream field.
	ErrStream = errors.New("capgen: invalid stream")
	// ErrImpairment reports an invalid Impairments field.
	ErrImpairment = errors.New("capgen: invalid impairment")
	// ErrOptions reports an invalid Options field.
	ErrOptions = errors.New("capgen: invalid options")
	// ErrEvent reports a DTMF event or comfort-noise span that does not fit
	// the stream (overlapping, outside the audio, unknown digit).
	ErrEvent = errors.New("capgen: invalid event")
	// ErrWAV reports a WAV file capgen cannot use.
	ErrWAV = errors.New("capgen: unusable wav")
)
