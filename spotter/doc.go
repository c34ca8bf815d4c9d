// Package spotter turns PCM audio into detections of banned speech.
//
// The stages, in the order a stream's audio passes them:
//
//   - a voice activity gate ([Gate]) that cuts the audio into utterances, so
//     silence and line noise never reach the recognizer;
//   - a recognizer ([Recognizer], made by an [Engine]: Vosk in spotter/vosk,
//     PocketSphinx in spotter/pocketsphinx) that turns an utterance into timed
//     words with confidences;
//   - a matcher ([Matcher]) that finds the configured banned words, phrases
//     and regular-expression patterns in those words.
//
// [Listener] strings the three together for one stream and reports
// [Detection]s with times measured from the stream's first sample. Times come
// from the amount of audio fed, never from a clock, so a capture and a live
// stream give the same detections.
package spotter
