// Package decode turns RTP audio payloads into linear PCM and back.
//
// It provides, in the encoding/hex shape (Decode(dst, src) int and
// AppendDecode(dst, src) []T):
//
//   - G.711 µ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8)
//     decoding to 16-bit PCM and encoding from it, on top of
//     github.com/zaf/g711, through 256-entry lookup tables built once;
//   - a streaming 2x polyphase FIR interpolator ([Upsampler]) that takes
//     8 kHz telephone audio to the 16 kHz the speech recognizers expect,
//     with a real low-pass (half-band Kaiser-windowed sinc), not sample
//     repetition;
//   - [AppendSilence] for audio lost on the wire;
//   - 16-bit mono WAV writing ([WAVWriter]) and reading ([ReadWAV]) with
//     github.com/go-audio/wav.
//
// Decoding, encoding and upsampling never allocate when dst has capacity,
// never fail on any byte sequence, and never retain src or dst after they
// return: results are written into dst and never alias src. A decoded
// payload therefore stays valid after the packet buffer it came from is
// reused.
//
// The package keeps no mutable global state. The G.711 tables and the filter
// coefficients are package-level values computed once and only read after.
package decode
