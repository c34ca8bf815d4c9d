package main

import (
	"math/rand/v2"
	"testing"
	"time"
)

// feed offers frames of 160 samples (20 ms) arriving every every, count
// of them from start, and returns how many the budget let through.
func feed(b *budget, start time.Time, every time.Duration, count int) int {
	n := 0
	for i := range count {
		if b.take(start.Add(time.Duration(i)*every), 160) {
			n++
		}
	}
	return n
}

var budgetT0 = time.Unix(1_700_000_000, 0)

// A stream at real time is never limited, for an hour, nor with its
// packets' arrival jittering by up to ±60 ms, nor after silence
// suppression, nor when 1.8 s of packets arrive at once after a stall.
func TestBudgetRealTime(t *testing.T) {
	var b budget
	if n := feed(&b, budgetT0, 20*time.Millisecond, 180_000); n != 180_000 {
		t.Errorf("steady: %d of 180000 frames analysed", n)
	}

	b = budget{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50_000 {
		jitter := time.Duration(r.IntN(120_001)-60_000) * time.Microsecond
		if !b.take(budgetT0.Add(time.Duration(i)*20*time.Millisecond+jitter), 160) {
			t.Fatalf("jittered: frame %d refused", i)
		}
	}

	b = budget{}
	at := budgetT0
	for i := range 3000 {
		at = budgetT0.Add(time.Duration(i) * 20 * time.Millisecond)
		b.take(at, 160)
	}
	at = at.Add(5 * time.Second) // nothing sent for 5 s
	if !b.take(at, 160) {
		t.Error("the frame after 5 s of silence suppression was refused")
	}
	for i := 1; i < 100; i++ { // then steady again
		if !b.take(at.Add(time.Duration(i)*20*time.Millisecond), 160) {
			t.Fatalf("frame %d after the gap refused", i)
		}
	}
	at = at.Add(100*20*time.Millisecond + 2*time.Second) // a 2 s stall ...
	for i := range 90 {                                  // ... and 1.8 s of packets at once
		if !b.take(at, 160) {
			t.Fatalf("burst frame %d of 90 refused", i)
		}
	}
}

// A stream sending 800 times real time (40 000 packets/s) gets its
// allowance and then 1.25 times real time; after the flood, at real
// time again, it is analysed whole once its budget refills.
func TestBudgetFlood(t *testing.T) {
	var b budget
	const rate = 40_000
	n := feed(&b, budgetT0, time.Second/rate, 10*rate) // 10 s of flood
	// 2 s of allowance, then 10 000 samples a second for 10 s.
	want := (budgetBurst + 10*budgetRate) / 160
	if n < want-2 || n > want+1 {
		t.Errorf("flood: %d of %d frames analysed, want %d (2 s + 1.25 × 10 s of audio)", n, 10*rate, want)
	}
	end := budgetT0.Add(10 * time.Second)
	// Real time from here: a 20 ms frame every 20 ms earns 200 samples
	// and costs 160, so nothing is refused.
	if got := feed(&b, end, 20*time.Millisecond, 500); got != 500 {
		t.Errorf("after the flood: %d of 500 real-time frames analysed", got)
	}
	// A stream whose clock is 20 % fast is over real time, but within
	// the 1.25 it keeps being analysed whole.
	b = budget{}
	if got := feed(&b, budgetT0, 16667*time.Microsecond, 100_000); got != 100_000 {
		t.Errorf("20 %% fast: %d of 100000 frames analysed", got)
	}
	// Twice real time for 60 s: 2 s + 75 s of the 120 s sent.
	b = budget{}
	got := feed(&b, budgetT0, 10*time.Millisecond, 6000)
	if want := (budgetBurst + 60*budgetRate) / 160; got < want-2 || got > want+1 {
		t.Errorf("2× real time: %d of 6000 frames analysed, want %d", got, want)
	}
}

// Arrival times that go back (a clock step) refill nothing and break
// nothing; a frame bigger than the whole allowance is refused.
func TestBudgetOddTimes(t *testing.T) {
	var b budget
	for i := range 1000 {
		b.take(budgetT0.Add(-time.Duration(i)*time.Second), 160)
	}
	if b.left < 0 || b.left > budgetBurst {
		t.Errorf("budget %d after times going back, want 0..%d", b.left, budgetBurst)
	}
	b = budget{}
	if b.take(budgetT0, budgetBurst+1) {
		t.Error("a frame of more than the allowance was taken")
	}
	if !b.take(budgetT0, 160) {
		t.Error("the refused frame used up the budget")
	}
}

func TestBudgetNoAllocs(t *testing.T) {
	var b budget
	i := 0
	if a := testing.AllocsPerRun(1000, func() {
		b.take(budgetT0.Add(time.Duration(i)*time.Millisecond), 160)
		i++
	}); a != 0 {
		t.Errorf("%v allocations per frame", a)
	}
}
