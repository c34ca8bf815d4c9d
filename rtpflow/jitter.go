package rtpflow

import "time"

// jitterMeter computes RFC 3550 A.8 interarrival jitter in milliseconds,
// with the rules Wireshark's RTP stream analysis applies on top, so that the
// figures agree with `tshark -z rtp,streams`:
//
//   - the transit difference D is taken against the last packet whose
//     timestamp did not go backwards ("in time sequence"); a reordered packet
//     updates the estimate but is not a reference for the next one;
//   - payload types without a known clock rate (dynamic ones, such as
//     telephone-events) leave the estimate alone;
//   - the maximum and mean only take "regular" packets: not the first, not
//     marked, not comfort noise or the packet after it, not timestamped in
//     the past.
type jitterMeter struct {
	started    bool
	refArrival time.Time // arrival of the last in-time-sequence packet
	refTS      uint64    // its extended RTP timestamp
	prevPT     uint8     // payload type of the previous packet
	n          int       // packets seen before the current one

	jitter float64 // current estimate, ms
	max    float64 // ms
	mean   float64 // ms
}

// add feeds one packet: its arrival time, extended RTP timestamp, payload
// type and marker bit.
func (j *jitterMeter) add(arrival time.Time, ts uint64, pt uint8, marker bool) {
	if !j.started {
		j.started = true
		j.refArrival, j.refTS, j.prevPT, j.n = arrival, ts, pt, 1
		return
	}
	inTimeSeq := ts >= j.refTS
	clock := clockRate(pt)
	var current float64
	if clock != 0 {
		// clock/1000 in integers, as Wireshark divides (44 for 44100 Hz).
		nominal := float64(int64(ts-j.refTS)) / float64(clock/1000)
		arrivalDelta := float64(arrival.Sub(j.refArrival)) / float64(time.Millisecond)
		d := arrivalDelta - nominal
		if d < 0 {
			d = -d
		}
		current = (15*j.jitter + d) / 16
		j.jitter = current
	}
	regular := !marker && !isCN(pt) && !isCN(j.prevPT) && inTimeSeq
	if regular && clock != 0 {
		if j.jitter > j.max {
			j.max = j.jitter
		}
		j.mean = (j.mean*float64(j.n-1) + current) / float64(j.n)
	}
	if inTimeSeq {
		j.refArrival, j.refTS = arrival, ts
	}
	j.prevPT = pt
	j.n++
}
