package vosk

// Config says which model to load and how. The zero value of each field
// except Model means its documented default.
type Config struct {
	// Model is the Vosk model directory, the one holding am/, conf/ and
	// graph/. Required.
	Model string

	// SampleRate is the rate in Hz of the PCM the recognizers are fed.
	// Default (0): the model's own rate, conf/mfcc.conf's
	// --sample-frequency, or 16000 when that file does not set one. A
	// higher rate than the model's is resampled by libvosk; a lower one is
	// an error, since the models do not upsample (resample before feeding).
	SampleRate int

	// KaldiLog keeps libvosk's informational messages on stderr. Default
	// (false): Open lowers libvosk's process-wide log level to warnings and
	// errors.
	KaldiLog bool
}
