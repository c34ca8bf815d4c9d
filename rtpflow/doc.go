// Package rtpflow turns UDP datagrams into RTP streams.
//
// A [Table] classifies each datagram as RTP, RTCP or other traffic (by the
// configured RTP port ranges, or by a learning heuristic for captures whose
// ports are unknown), keys RTP packets to a [Stream] by 5-tuple and SSRC, and
// keeps per-stream statistics: packets, expected and lost (RFC 3550 A.3),
// duplicates, out-of-order packets, sequence wraps, interarrival jitter
// (RFC 3550 A.8, computed the way Wireshark's RTP stream analysis does, so
// that `tshark -z rtp,streams` and this package agree), payload type
// changes, and first and last arrival time.
//
// Each stream owns a reorder window that turns arriving packets into an
// ordered sequence of audio [Frame]s handed to a [Sink], with gaps (lost
// packets, comfort-noise periods, telephone-events) marked by sample counts
// so that a decoder can fill them with silence. RFC 4733 telephone-events and
// RFC 3389 comfort noise are counted but kept out of the audio.
//
// Memory is bounded: the number of live streams and of heuristic candidates
// is capped, idle streams expire by packet time, and every eviction is
// counted. RTCP BYE ends a stream's audio without erasing its statistics;
// RTP after it resumes the audio (counted), so that a sender cannot make
// itself unheard with a BYE.
//
// Time is always taken from the packets (capture or kernel timestamps),
// never from the wall clock. A Table is not safe for concurrent use; the
// live daemon runs one Table per queue reader.
package rtpflow
