// Package capgen writes synthetic RTP captures (pcap or pcapng) with controlled
// impairments, for tests and for cross-checks against tshark.
//
// A [Stream] describes one RTP sender: its 5-tuple, SSRC, codec, the audio it
// speaks (8 kHz PCM, G.711-encoded here) or raw payloads, optional RFC 4733
// DTMF events, RFC 3389 comfort-noise spans, an SSRC change and RTCP. Its
// [Impairments] (loss, burst loss, duplication, reordering, arrival jitter) are
// drawn from a seeded generator, so the same inputs and seed always give a
// byte-identical capture. [Write] merges every stream's datagrams in arrival
// order, frames them for the chosen [Link] with gopacket's layers (an
// implementation independent of spitfilter's own parser), fragments them when
// asked, and returns the ground truth per SSRC ([StreamTruth]) that tests
// compare a parser's statistics with.
//
// Library code here never reads the clock: the capture starts at
// [Options.Start], or at [DefaultStart] when that is zero.
package capgen
