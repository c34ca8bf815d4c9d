// Package models finds, validates and fetches the speech models spitfilter's
// recognizers load.
//
// Two engines are known: Vosk (Kaldi nnet3 models as published at
// https://alphacephei.com/vosk/models) and PocketSphinx (an acoustic model
// directory, a pronunciation dictionary and a language model, as Debian's
// pocketsphinx-en-us package installs them).
//
//   - [Validate] checks that a directory holds every file the engine's loader
//     reads and returns a typed [Model] (engine, name, path, sample rate,
//     the PocketSphinx parts, size). The Vosk binding never reports a failed
//     load, so a missing file is reported here, as a [*MissingFileError]
//     that names the file, the directory and where to get models.
//   - [Locate] resolves the model an engine should use from an explicit flag
//     value, the config file's model: value, the SPITFILTER_MODEL_DIR
//     environment variable and the standard paths, in that order, and says
//     which of them it came from ([Source]).
//   - [List] reports every model found in those places, usable or not, with
//     the reason when not.
//   - [Fetcher] downloads a Vosk model by name from the published model list,
//     checks its size and MD5 (and an optional pinned SHA-256), unpacks it
//     without letting the archive write outside the target, validates it and
//     renames it into place atomically.
//
// The package reads no environment variables and no flags: the values it
// needs (environment, home directory) come in an [Options] struct the
// command fills. It keeps no global state and never prints.
package models
