// Package corpus generates spitfilter's speech test corpus: robocall and scam
// messages that each contain exactly one banned phrase, ordinary messages
// full of near-miss words, and real human speech from Debian's
// pocketsphinx-testdata, every item sent as a G.711 RTP capture with network
// impairments and also kept as the clean 16 kHz WAV a peer recognizer gets.
//
// [Generate] synthesizes the messages with flite (voices rms, slt, awb) and
// espeak-ng, speaking the text before the phrase, the phrase and the text
// after it separately, trimming the synthesizer's silence and joining the
// parts with short pauses, so that the phrase's start and end in the audio
// are known to the sample. Audio is converted to 8 kHz mono with sox,
// G.711-encoded (PCMU or PCMA) into a pcap by [capgen.Write] with 0–5 % loss
// and up to 30 ms of arrival jitter, and decoded again with lost packets as
// silence and upsampled to 16 kHz with the decode package. Every random
// choice is drawn from a generator seeded by [Options.Seed] and the item's
// ID, so the same inputs always give the same files. Files are cached in the
// caller's directory and reused while the hash of their inputs matches.
//
// [Evaluate] compares detections from any recognizer with the items' truth:
// phrase recall, false alarms per hour and detection latency. The command
// testdata/corpus/cmd/accuracy runs PocketSphinx's own
// pocketsphinx_continuous and spitcheck over the corpus and prints them.
//
// The file banned.yaml beside this package is a spitfilter configuration
// whose banned list is [BannedPhrases].
package corpus
