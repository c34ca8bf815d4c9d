package pocketsphinx

import "errors"

var (
	// ErrInit is returned when PocketSphinx refuses its arguments or a
	// model file it was pointed at.
	ErrInit = errors.New("pocketsphinx: decoder did not start (bad model files or arguments)")
	// ErrModel is returned when the model directory lacks a file.
	ErrModel = errors.New("pocketsphinx: model incomplete")
	// ErrUnknownWord is returned for a banned word the dictionary lacks.
	ErrUnknownWord = errors.New("pocketsphinx: word not in the dictionary")
	// ErrLogFile is returned for "-logfn" in Config.Args. sphinxbase's log
	// is one stream for the whole process: each decoder started with
	// "-logfn" opened a new one and closed the one the other decoders were
	// writing to, which corrupted the C heap. The engine turns the log off.
	ErrLogFile = errors.New("pocketsphinx: -logfn is not allowed: the log is shared by every decoder in the process, and the engine turns it off")
)
