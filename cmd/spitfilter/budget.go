package main

import "time"

// A stream's audio is analysed at most a little faster than real time. An
// RTP sender produces audio at real time, give or take its clock's drift and
// the network's jitter; a stream that sends more (a flood on one SSRC, or a
// recording replayed at many times its speed) would otherwise keep an
// analysis worker busy on its own, taking the CPU from every other call and
// from the host. The budget is a token bucket in samples of 8 kHz audio,
// refilled from the packets' arrival times. It counts the payload's samples
// only: the silence that fills a timestamp gap (silence suppression, at
// most rtpflow's MaxGap a frame) costs the recognizers next to nothing, as
// the voice activity gate drops it.
const (
	// budgetRate is the refill, in samples per second of arrival time:
	// 1.25 times real time.
	budgetRate = 10_000
	// budgetBurst is the most a stream may have in hand: 2 s of audio, for
	// packets held up by the network and arriving at once (a phone's
	// jitter buffer gives up on packets far sooner). A stream starts with
	// it full.
	budgetBurst = 2 * 8000

	nsPerSample = int64(time.Second) / budgetRate
)

// budget is one stream's token bucket. It is used by the stream's queue
// reader only, and allocates nothing.
type budget struct {
	left int64 // samples that may still be analysed
	at   int64 // arrival time (Unix ns) up to which the refill is counted; 0: not started
}

// take tells whether a frame of n samples of payload that arrived at
// arrival may be analysed, and if so takes it from the budget.
// Arrival times that go back refill nothing.
func (b *budget) take(arrival time.Time, n int) bool {
	now := arrival.UnixNano()
	switch {
	case b.at == 0:
		b.left, b.at = budgetBurst, now
	case now > b.at:
		earned := (now - b.at) / nsPerSample
		b.left += earned
		b.at += earned * nsPerSample // the remainder counts at the next packet
		if b.left >= budgetBurst {
			b.left, b.at = budgetBurst, now
		}
	}
	if int64(n) > b.left {
		return false
	}
	b.left -= int64(n)
	return true
}
