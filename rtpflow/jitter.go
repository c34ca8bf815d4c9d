package rtpflow

import (
	"math"
	"time"
)

// jitterMeter computes RFC 3550 A.8 interarrival jitter in milliseconds,
// J += (|D(i-1,i)| - J)/16, with D taken between consecutive packets in
// arrival order, and with the bookkeeping of Wireshark's RTP stream analysis
// (as in tshark 4.0), so that the figures agree with `tshark -z rtp,streams`:
//
//   - payload types without a clock rate known from the payload type alone
//     (dynamic ones, such as telephone-events) leave the estimate and the
//     timestamp reference alone, but do move the arrival reference: the
//     packet after a telephone-event is measured against the event's
//     arrival and the last audio timestamp;
//   - the maximum and mean only take "regular" packets: not the first, not
//     marked, not comfort noise, not the packet after comfort noise;
//   - the mean is Wireshark's running mean over the packets before the
//     current one.
type jitterMeter struct {
	started     bool
	prevArrival int64 // ns
	prevTS      uint64
	prevPT      uint8
	n           int // packets seen before the current one

	jitter float64 // current estimate, ms
	max    float64 // ms
	mean   float64 // ms
}

// add feeds one packet: its arrival time in nanoseconds, extended RTP timestamp, payload
// type and marker bit.
func (j *jitterMeter) add(arrival int64, ts uint64, pt uint8, marker bool) {
	if !j.started {
		j.started = true
		j.prevArrival, j.prevTS, j.prevPT, j.n = arrival, ts, pt, 1
		return
	}
	// Ticks per millisecond in integers, as Wireshark divides (44 for
	// 44100 Hz); multiplications by reciprocals keep divisions off the
	// per-packet path. Zero exactly when the payload type has no clock.
	tick := msPerTick(pt)
	var current float64
	if tick != 0 {
		nominal := float64(int64(ts-j.prevTS)) * tick
		// math.Abs clears the sign bit: no branch to mispredict on a
		// difference that is positive or negative at random.
		d := math.Abs(float64(arrival-j.prevArrival)*nsToMs - nominal)
		current = (15*j.jitter + d) / 16
		j.jitter = current
		j.prevTS = ts
	}
	if tick != 0 && !marker && !isCN(pt) && !isCN(j.prevPT) {
		if j.jitter > j.max {
			j.max = j.jitter
		}
		j.mean = (j.mean*float64(j.n-1) + current) / float64(j.n)
	}
	j.prevArrival, j.prevPT = arrival, pt
	j.n++
}

const nsToMs = 1 / float64(time.Millisecond)

// tickMs holds 1/(clock/1000) for each static payload type with a clock.
var tickMs = func() (t [len(staticAudioClock)]float64) {
	for pt, c := range staticAudioClock {
		if c != 0 {
			t[pt] = 1 / float64(c/1000)
		}
	}
	return t
}()

func msPerTick(pt uint8) float64 {
	if int(pt) < len(tickMs) {
		return tickMs[pt]
	}
	return 0
}
