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
)
