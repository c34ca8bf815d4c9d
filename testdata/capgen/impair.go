package capgen

import (
	"math/rand/v2"
	"time"
)

// transmission is one RTP datagram as it reaches the capture point.
type transmission struct {
	pkt  int           // index into the stream's packet list
	at   time.Duration // arrival time, from Options.Start
	dup  bool          // the second copy of a duplicated packet
	held bool          // held back by the Reorder impairment
}

// Delays that place held-back and duplicated copies just after the packet
// they follow.
const (
	heldDelay   = 10 * time.Microsecond
	dupDelayMin = 10 * time.Microsecond
	dupDelayMax = time.Millisecond
)

// impairer draws every impairment from its own generator, so that turning
// one knob does not move the others' choices.
type impairer struct {
	im                         Impairments
	loss, dup, reorder, jitter *rand.Rand
	quantum                    time.Duration
}

// Generator streams derived from one seed.
const (
	randLoss uint64 = iota + 1
	randDup
	randReorder
	randJitter
	randSSRC
)

// seeded returns generator k of a stream's seed and SSRC.
func seeded(seed int64, ssrc uint32, k uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(ssrc)<<8|k))
}

func newImpairer(im Impairments, ssrc uint32, quantum time.Duration) *impairer {
	r := func(k uint64) *rand.Rand { return seeded(im.Seed, ssrc, k) }
	return &impairer{im: im, loss: r(randLoss), dup: r(randDup), reorder: r(randReorder), jitter: r(randJitter), quantum: quantum}
}

// apply returns the stream's transmissions in emission order and the
// number of packets lost, duplicated and held back per segment.
func (ip *impairer) apply(pkts []rtpPacket, segs []segment) (tx []transmission, lost, dups, held []int) {
	lost, dups, held = make([]int, len(segs)), make([]int, len(segs)), make([]int, len(segs))
	burst := max(1, ip.im.BurstLoss)
	depth := max(1, ip.im.ReorderDepth)
	type waiting struct {
		pkt, left int
	}
	var queue []waiting
	var dropping int
	var last time.Duration
	emit := func(t transmission) {
		tx = append(tx, t)
		last = t.at
		if ip.im.Duplicate > 0 && ip.dup.Float64() < ip.im.Duplicate {
			d := dupDelayMin + time.Duration(ip.dup.Int64N(int64(dupDelayMax-dupDelayMin)))
			tx = append(tx, transmission{pkt: t.pkt, at: ip.quantize(t.at + d), dup: true, held: t.held})
			dups[pkts[t.pkt].seg]++
		}
	}
	for i := range pkts {
		p := &pkts[i]
		protected := p.idx == 0 || p.idx == segs[p.seg].n-1
		if dropping == 0 && ip.im.Loss > 0 && ip.loss.Float64() < ip.im.Loss {
			dropping = burst
		}
		if dropping > 0 {
			dropping--
			if !protected {
				lost[p.seg]++
				continue
			}
		}
		// A segment's first packet is neither held back nor delayed, so it
		// arrives first and RFC 3550's base sequence number is the truth's.
		first := p.idx == 0
		if ip.im.Reorder > 0 && ip.reorder.Float64() < ip.im.Reorder && i < len(pkts)-1 && !first {
			queue = append(queue, waiting{pkt: i, left: depth})
			held[p.seg]++
			continue
		}
		at := p.at
		if ip.im.JitterMs > 0 && !first {
			at += time.Duration(ip.jitter.Float64() * ip.im.JitterMs * float64(time.Millisecond))
		}
		emit(transmission{pkt: i, at: ip.quantize(at)})
		kept := queue[:0]
		for _, w := range queue {
			if w.left--; w.left > 0 {
				kept = append(kept, w)
				continue
			}
			emit(transmission{pkt: w.pkt, at: ip.quantize(last + heldDelay), held: true})
		}
		queue = kept
	}
	for _, w := range queue {
		emit(transmission{pkt: w.pkt, at: ip.quantize(last + heldDelay), held: true})
	}
	return tx, lost, dups, held
}

func (ip *impairer) quantize(d time.Duration) time.Duration {
	return d.Truncate(ip.quantum)
}
