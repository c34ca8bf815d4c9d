package main

import (
	"sync/atomic"
	"time"

	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// verdictSink hands a packet's verdict to the kernel. The queue reader
// implements it over its netlink socket (package nfqwire); unit tests record
// the verdicts instead.
type verdictSink interface {
	// Verdict gives packet id its verdict. pkt is the packet as judged
	// (rewritten in place for Mute and Bleep); it is valid only during
	// the call.
	Verdict(id uint32, r enforce.Result, pkt []byte) error
}

// lane is one queue's fast path: its own packet decoder and stream table,
// used only by the queue's reader goroutine, so queues share no lock. The
// enforcer and the analyzer are shared; both are safe for concurrent use.
//
// Every packet gets exactly one verdict. What lane cannot use (not IP, not
// UDP, fragments, malformed, RTCP, flows being learned, a full table) is
// accepted and counted.
type lane struct {
	queue uint16
	dec   *packet.Decoder
	tab   *rtpflow.Table
	enf   *enforce.Enforcer
	an    *analyzer
	out   verdictSink
	sink  *laneSink
	u     packet.UDP

	packets       atomic.Uint64
	verdictErrors atomic.Uint64
	notUDP        atomic.Uint64 // not IP, not UDP, fragments
	malformed     atomic.Uint64 // IP or UDP that could not be decoded
	notStream     atomic.Uint64 // UDP that belongs to no RTP stream (RTCP, other, learning, refused)
}

// newLane returns the fast path of one queue. The table's streams hand their
// audio to an and carry their decision state on Stream.Tag.
func newLane(queue uint16, tcfg rtpflow.Config, enf *enforce.Enforcer, an *analyzer, out verdictSink) *lane {
	l := &lane{queue: queue, enf: enf, an: an, out: out}
	// No reassembly: RTP is never fragmented in practice, and a held
	// fragment is accepted at once anyway (the verdict cannot wait).
	l.dec = packet.NewDecoder(packet.DecoderConfig{})
	l.sink = an.sink()
	l.tab = rtpflow.NewTable(tcfg, l.sink)
	return l
}

// judge decides one queued packet: raw IP as NFQUEUE hands it over, queued
// at now. Under mute and bleep it rewrites pkt in place. It allocates
// nothing once the stream exists.
func (l *lane) judge(pkt []byte, now time.Time) enforce.Result {
	l.packets.Add(1)
	kind, _ := l.dec.Decode(packet.LinkRaw, pkt, now, &l.u)
	switch kind {
	case packet.KindUDP:
	case packet.KindMalformed:
		l.malformed.Add(1)
		return l.enf.Pass(enforce.ReasonMalformed)
	default:
		l.notUDP.Add(1)
		return l.enf.Pass(enforce.ReasonNoStream)
	}
	_, s := l.tab.Handle(&l.u, now)
	if s == nil {
		l.notStream.Add(1)
		return l.enf.Pass(enforce.ReasonNoStream)
	}
	return l.enf.Apply(pkt, &l.u, l.an.job(s).state, now)
}

// handle judges one packet, gives it its verdict and then hands off
// (handoff): the steps for a packet answered on its own.
func (l *lane) handle(id uint32, pkt []byte, now time.Time) {
	l.verdict(id, pkt, now)
	l.handoff(now)
}

// verdict judges one packet and gives it its verdict.
func (l *lane) verdict(id uint32, pkt []byte, now time.Time) {
	r := l.judge(pkt, now)
	if err := l.out.Verdict(id, r, pkt); err != nil {
		l.verdictErrors.Add(1)
	}
}

// handoff hands the streams with new audio to the analysis workers, at
// most every handoffInterval of packet time (now: the latest packet's).
// The queue reader calls it after it has sent a batch's verdicts: a
// handoff can wake a worker thread, a system call and an interrupt to
// another CPU that the packets of the batch need not wait for.
func (l *lane) handoff(now time.Time) { l.sink.handoff(now, false) }

// unreadable accepts packet id unjudged: the kernel holds it, but its
// message could not be read (broken after its packet header). It is
// counted as a malformed packet.
func (l *lane) unreadable(id uint32) {
	l.packets.Add(1)
	l.malformed.Add(1)
	if err := l.out.Verdict(id, l.enf.Pass(enforce.ReasonMalformed), nil); err != nil {
		l.verdictErrors.Add(1)
	}
}

// idle hands the streams with new audio to the workers now: the reader
// calls it when no packet came for a while.
func (l *lane) idle(now time.Time) { l.sink.handoff(now, true) }

// flush ends every stream of the lane (shutdown). Only call it once the
// queue's reader has stopped.
func (l *lane) flush() {
	l.tab.Flush()
	l.sink.handoff(time.Time{}, true)
}

// laneStats are one queue's counts.
type laneStats struct {
	Queue         uint16
	Packets       uint64 // packets judged
	VerdictErrors uint64 // verdicts the kernel did not take
	NotUDP        uint64 // not IP, not UDP, IP fragments: accepted
	Malformed     uint64 // undecodable IP/UDP: accepted
	NotStream     uint64 // UDP of no RTP stream (RTCP, other ports, learning, table full): accepted
}

func (l *lane) stats() laneStats {
	return laneStats{Queue: l.queue, Packets: l.packets.Load(), VerdictErrors: l.verdictErrors.Load(),
		NotUDP: l.notUDP.Load(), Malformed: l.malformed.Load(), NotStream: l.notStream.Load()}
}
