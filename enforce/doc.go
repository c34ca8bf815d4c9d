// Package enforce turns detections into per-packet verdicts: it is the
// inline daemon's fast path after packet decoding and stream lookup.
//
// The slow path (speech recognition) sets a [Decision] on a stream's
// [State]: an [Action] (mute, bleep, drop, mark or log, as [ParseAction]
// reads them from the configuration), the rule that matched, and a hold
// [From, Until) in packet time. The fast path, [Enforcer.Apply], reads the
// state without locks (one atomic load) for every packet and returns a
// [Result]: a [Verdict] (accept, mute, bleep, drop, mark), a [Reason], the
// mark, and whether the packet was rewritten.
//
// Mute replaces the RTP payload by the codec's silence (0xFF for PCMU, 0xD5
// for PCMA), bleep by a phase-continuous 1 kHz tone at -10 dBm0; every RTP
// header field, the padding and the packet length stay as they were, and
// the UDP checksum is recomputed (RFC 768, RFC 1071; over IPv4 a zero
// checksum, meaning none, stays zero; over IPv6 it is mandatory).
//
// Odd traffic is accepted: no stream, not RTP, a packet whose addresses,
// ports or SSRC are not those of the state it was judged against (so that
// an injected packet neither triggers nor inherits a decision), and
// anything outside a decision's hold. Under mute and bleep, RFC 4733
// telephone-events and RFC 3389 comfort noise pass unchanged (no speech),
// and packets that cannot be rewritten (payload types other than G.711, RTP
// headers overrunning the datagram, IP-reassembled datagrams, unfinished
// source routes) are dropped.
// Every verdict is counted by verdict and reason ([Enforcer.Stats]).
//
// Apply allocates nothing and never reads the clock: the caller passes each
// packet's own time (the kernel's queue timestamp, or the capture's).
package enforce
