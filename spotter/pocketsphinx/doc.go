// Package pocketsphinx is the speech engine every machine here can run:
// CMU PocketSphinx through cgo against Debian's libpocketsphinx (packages
// libpocketsphinx-dev, libsphinxbase-dev) with Debian's en-us model
// (pocketsphinx-en-us, /usr/share/pocketsphinx/model/en-us).
//
// An Engine checks the model files and reads the dictionary once; each
// Recognizer starts its own decoders (PocketSphinx cannot share a loaded
// model between decoders): keyword spotting with a threshold per phrase
// scaled by its length in phones (ModeKeyword), full recognition with the
// general language model interpolated with a small bigram model of the banned
// phrases (ModeFull, the default), or both (ModeBoth). Noise removal and
// silence removal are off: the first damages G.711 speech, the second shifted
// the word times PocketSphinx reported, and the spotter's gate already cuts
// the silence. The model is wideband: feed 16 kHz audio (the spotter's
// listener upsamples G.711 keeping part of the spectral image, which this
// model needs to hear telephone speech at all).
package pocketsphinx
