// Package vosk is the Vosk speech recognition engine for spotter: it loads a
// Vosk (Kaldi) model once with libvosk, through the binding
// github.com/alphacep/vosk-api/go, and makes one [spotter.Recognizer] per
// stream.
//
// # Getting libvosk and a model
//
// The engine links against libvosk 0.3.39, the linux-x86_64 library that the
// vosk npm package ships without a C header. install-libvosk.sh (in this
// directory; run by make deps) installs it as /usr/local/lib/libvosk.so,
// checked against a pinned sha256, together with include/vosk_api.h as
// /usr/local/include/vosk_api.h. A machine without libvosk builds the rest of
// the project with -tags novosk; there [Open] returns [ErrNoVosk].
//
// Models are not shipped. Fetch one with
//
//	spitcheck models fetch vosk-model-small-en-us-0.15
//
// or download and unpack one from https://alphacephei.com/vosk/models, and
// name its directory in the config's model: field. The recognition tests and
// benchmarks run when SPITFILTER_VOSK_MODEL names a model directory:
//
//	SPITFILTER_VOSK_MODEL=$HOME/vosk-model-small-en-us-0.15 go test ./spotter/vosk
//
// # What is checked before libvosk sees anything
//
// libvosk does not report a failed model load through the binding, and may
// abort the process on a broken directory, so [Open] first checks the layout
// ([Validate]: am/final.mdl, conf/mfcc.conf, and graph/HCLG.fst or
// graph/HCLr.fst with graph/Gr.fst) and reads the model's sample rate from
// conf/mfcc.conf. A grammar silently drops the words the model does not know,
// so [Engine.NewRecognizer] checks every word of every banned phrase first
// and fails with a [*VocabularyError] naming the word, its phrase and the
// model.
//
// # Modes
//
// [spotter.ModeKeyword] restricts recognition to a grammar of the banned
// phrases plus Vosk's garbage word "[unk]", which needs a model with a
// runtime graph (graph/HCLr.fst and graph/Gr.fst, no HCLG.fst: the small
// models). [spotter.ModeFull] uses the model's own language model.
// [spotter.ModeAuto] is keyword mode when there are phrases and the model
// takes grammars, full mode otherwise. Words come with times and confidences;
// audio that matched no phrase in keyword mode comes out as the word "[unk]",
// so words either side of it were not said together.
//
// Logging: libvosk prints Kaldi's messages to stderr, and its log level is
// process-wide. Open lowers it to warnings and errors unless
// [Config.KaldiLog] is set.
package vosk
