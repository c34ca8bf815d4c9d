package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/spotter"
)

// countingEngine makes fakeRecs and counts them.
type countingEngine struct {
	mu   sync.Mutex
	made []*fakeRec
	fail bool
}

func (e *countingEngine) Name() string      { return "counting" }
func (e *countingEngine) SampleRate() int   { return 16000 }
func (e *countingEngine) Knows(string) bool { return true }
func (e *countingEngine) Close() error      { return nil }
func (e *countingEngine) NewRecognizer(v spotter.Vocabulary) (spotter.Recognizer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fail {
		return nil, errors.New("no recognizer")
	}
	r := &fakeRec{v: v}
	e.made = append(e.made, r)
	return r, nil
}

type fakeRec struct {
	v              spotter.Vocabulary
	resets, closes int
	lost           bool // its recognizer process ended
}

func (r *fakeRec) Lost() bool { return r.lost }

func (r *fakeRec) Write([]int16) error                              { return nil }
func (r *fakeRec) Partial(dst []spotter.Word) []spotter.Word        { return dst }
func (r *fakeRec) Final(dst []spotter.Word) ([]spotter.Word, error) { return dst, nil }
func (r *fakeRec) Reset()                                           { r.resets++ }
func (r *fakeRec) Close() error                                     { r.closes++; return nil }

func TestRecPool(t *testing.T) {
	e := &countingEngine{}
	p := newRecPool(e, 2)
	v1 := spotter.Vocabulary{Phrases: []string{"car warranty"}, Mode: spotter.ModeKeyword}
	v2 := spotter.Vocabulary{Phrases: []string{"car warranty", "free cruise"}, Mode: spotter.ModeKeyword}
	get := func(v spotter.Vocabulary) spotter.Recognizer {
		t.Helper()
		r, err := p.NewRecognizer(v)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// Three streams at once: three made. As they end, two are kept
	// (reset), the third closed.
	a, b, c := get(v1), get(v1), get(v1)
	for _, r := range []spotter.Recognizer{a, b, c} {
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	a.Close() // idempotent: not handed back twice
	if len(e.made) != 3 || e.made[0].resets != 1 || e.made[2].closes != 1 || e.made[0].closes != 0 {
		t.Fatalf("made %d; first reset %d closed %d; third closed %d", len(e.made), e.made[0].resets, e.made[0].closes, e.made[2].closes)
	}
	// The next two streams get the kept ones, the third a new one.
	d, f, g := get(v1), get(v1), get(v1)
	if made, reused := p.counts(); made != 4 || reused != 2 {
		t.Errorf("made %d, reused %d; want 4 and 2", made, reused)
	}
	// A reload changes the vocabulary: the kept ones (none now) and
	// those of the old vocabulary that come back are closed; the new
	// vocabulary's are kept.
	h := get(v2)
	d.Close()
	if e.made[0].closes+e.made[1].closes != 1 {
		t.Errorf("a recognizer of the old vocabulary handed back after the reload was kept")
	}
	h.Close()
	if r := get(v2); r.(*pooled).Recognizer != e.made[len(e.made)-1] {
		t.Errorf("the new vocabulary's recognizer was not reused")
	}
	// Back to v1 (a second reload): the kept v2 ones are closed at once.
	h2 := get(v2)
	h2.Close()
	kept := h2.(*pooled).Recognizer.(*fakeRec)
	get(v1)
	if kept.v.Mode != spotter.ModeKeyword || len(kept.v.Phrases) != 2 || kept.closes != 1 {
		t.Errorf("kept recognizer of a replaced vocabulary not closed (closes %d)", kept.closes)
	}
	f.Close()
	g.Close()

	// Close closes what is kept; later hand-backs are closed at once.
	k := get(v1)
	p.Close()
	k.Close()
	for i, r := range e.made {
		if r.closes > 1 {
			t.Errorf("recognizer %d closed %d times", i, r.closes)
		}
	}
	if kr := k.(*pooled).Recognizer.(*fakeRec); kr.closes != 1 {
		t.Errorf("recognizer handed back after Close: closed %d times, want 1", kr.closes)
	}
	e.fail = true
	if _, err := p.NewRecognizer(v2); err == nil {
		t.Error("the engine's error was not passed on")
	}
}

// TestRecPoolLost: a recognizer whose process ended is neither kept when
// handed back nor handed out when it was kept: it is closed, and the stream
// gets a new one.
func TestRecPoolLost(t *testing.T) {
	e := &countingEngine{}
	p := newRecPool(e, 2)
	v := spotter.Vocabulary{Phrases: []string{"car warranty"}}
	a, _ := p.NewRecognizer(v)
	b, _ := p.NewRecognizer(v)
	e.made[0].lost = true
	a.Close()
	b.Close()
	if e.made[0].closes != 1 || e.made[1].closes != 0 {
		t.Fatalf("handed back: lost one closed %d times, live one %d; want 1 and 0", e.made[0].closes, e.made[1].closes)
	}
	e.made[1].lost = true // the process ends while it is kept
	c, err := p.NewRecognizer(v)
	if err != nil {
		t.Fatal(err)
	}
	if c.(*pooled).Recognizer != e.made[2] || e.made[1].closes != 1 {
		t.Errorf("a kept lost recognizer was handed out (closed %d times)", e.made[1].closes)
	}
	if made, reused := p.counts(); made != 3 || reused != 0 {
		t.Errorf("made %d, reused %d; want 3 and 0", made, reused)
	}
}

// policyInForce is the policy of the config text yaml, with the engine e,
// as the analyzer takes it.
func policyInForce(t *testing.T, e spotter.Engine, yaml string) *atomic.Pointer[policy] {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	pol, err := newPolicy(cfg, e, 1)
	if err != nil {
		t.Fatal(err)
	}
	var pp atomic.Pointer[policy]
	pp.Store(pol)
	return &pp
}

// TestByeFreesRecognizer: a call that ends with an RTCP BYE gives its
// recognizer back once it has stayed quiet for byeQuiet, while its stream
// stays in the table (with its decision) until the idle timeout; the next
// call gets that recognizer. A sender that talks on right after its BYE
// keeps its recognizer, and audio that comes after the release is analysed
// again. Every packet is verdicted.
func TestByeFreesRecognizer(t *testing.T) {
	e := &countingEngine{}
	recs := newRecPool(e, 1)
	defer recs.Close()
	pp := policyInForce(t, recs, "banned: [car warranty]\naction: mute\n")
	an := newAnalyzer(slog.New(slog.NewTextHandler(io.Discard, nil)), recs, pp, nil, 0, 1, 64, AnalysisBatch)
	defer an.shutdown(5 * time.Second)
	sink := &fakeSink{}
	l := newLane(0, rtpflow.Config{Ports: rtpflow.Ports{{Lo: 10000, Hi: 20000}}}, enforce.New(enforce.Config{}), an, sink)
	defer l.flush()

	t0 := time.Unix(1700000000, 0)
	id := uint32(0)
	send := func(payload []byte, at time.Time) {
		l.handle(id, ipv4UDP(caller, callee, payload), at)
		id++
	}
	quiet := bytes.Repeat([]byte{0xFF}, 160)
	// talk sends 50 packets from seq on: quiet, then loud (the gate opens
	// an utterance); it returns the time after them.
	talk := func(ssrc uint32, seq int, start time.Time) time.Time {
		for i := range 50 {
			payload := quiet
			if i >= 25 {
				payload = voice(160)
			}
			send(rtp(0, uint16(seq+i), uint32(seq+i)*160, ssrc, payload), start.Add(time.Duration(i)*20*time.Millisecond))
		}
		return start.Add(time.Second)
	}
	bye := func(ssrc uint32, at time.Time) {
		b, err := (&rtcp.Goodbye{Sources: []uint32{ssrc}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		send(b, at)
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 10 s for %s", what)
			}
		}
	}
	resets := func(i int) int {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.made[i].resets
	}

	end := talk(0xA11CE, 0, t0)
	waitUntil("the first call's recognizer", func() bool { made, _ := recs.counts(); return made == 1 })
	bye(0xA11CE, end)
	l.idle(end.Add(byeQuiet / 2))
	if len(l.sink.byes) != 1 {
		t.Fatalf("%d BYEs waiting for quiet, want 1", len(l.sink.byes))
	}
	l.idle(end.Add(byeQuiet))
	waitUntil("the recognizer to come back after the BYE", func() bool { return resets(0) == 1 })
	if st := an.stats(); st.StreamsEnded != 0 || st.LiveStreams != 1 {
		t.Errorf("streams ended %d, live %d: the stream must stay until it leaves the table", st.StreamsEnded, st.LiveStreams)
	}
	talk(0xB0B, 0, end.Add(2*time.Second))
	waitUntil("the second call's recognizer", func() bool { _, reused := recs.counts(); return reused == 1 })
	if made, reused := recs.counts(); made != 1 || reused != 1 {
		t.Errorf("recognizers made %d, reused %d; want 1 and 1", made, reused)
	}
	// The first call's sender goes on after its BYE: its audio is
	// analysed again, with a recognizer of its own.
	talk(0xA11CE, 50, end.Add(4*time.Second))
	l.idle(end.Add(6 * time.Second))
	waitUntil("a recognizer for the audio after the BYE", func() bool { made, _ := recs.counts(); return made == 2 })

	// A sender that talks on right after its BYE keeps its recognizer.
	start := end.Add(10 * time.Second)
	mid := talk(0xC0FFEE, 0, start)
	waitUntil("the third call's recognizer", func() bool { made, _ := recs.counts(); return made == 3 })
	bye(0xC0FFEE, mid)
	talk(0xC0FFEE, 50, mid.Add(20*time.Millisecond))
	l.idle(mid.Add(3 * byeQuiet))
	if len(l.sink.byes) != 0 {
		t.Errorf("%d BYEs still waiting", len(l.sink.byes))
	}
	waitDrained(t, an)
	time.Sleep(50 * time.Millisecond) // a release, were one asked for, would be done by now
	if n := resets(2); n != 0 {
		t.Errorf("the recognizer of a sender that talked on after its BYE was handed back %d times", n)
	}
	if sink.count != int(id) {
		t.Errorf("%d verdicts for %d packets", sink.count, id)
	}
}

// TestWarmUp: the daemon makes its spare recognizers (one per worker by
// default) and keeps them, and again for the new rules after a reload that
// changes the phrases (the old ones are closed), but not after one that
// does not; an engine that cannot make one fails with an error that says
// so (TestDaemonKernel's "queue opens before the recognizers" checks that
// it stops the daemon).
func TestWarmUp(t *testing.T) {
	path := t.TempDir() + "/warm.yaml"
	write := func(y string) {
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("banned: [car warranty]\naction: mute\n")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuf
	e := &countingEngine{}
	d, err := newDaemon(cfg, daemonOptions{Engine: e, Workers: 3, ConfigPath: path, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithCancel(t.Context())
	warmerDone := make(chan struct{})
	go func() {
		defer close(warmerDone)
		d.warmer(ctx, func(err error) { t.Errorf("the warmer stopped the daemon: %v", err) })
	}()
	defer func() { cancel(); <-warmerDone }()
	<-d.warm
	kept := func() int { // spare recognizers for the rules in force
		pol := d.pol.Load()
		v, err := spotter.ListenerVocabulary(pol.matcher, pol.listen)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := d.recs.spare(v)
		return n
	}
	if made, reused := d.recs.counts(); made != 3 || reused != 0 || kept() != 3 {
		t.Fatalf("at start: made %d, reused %d, kept %d; want 3 made and kept", made, reused, kept())
	}
	readies := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); strings.Count(logs.String(), "recognizers ready") < n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 10 s for warm-up %d; log:\n%s", n, logs.String())
			}
		}
	}

	// Each reload warms up again; only new phrases need new recognizers.
	for i, step := range []struct{ yaml, what string }{
		{"banned: [free cruise]\naction: mute\n", "a new phrase: 3 more made"},
		{"banned: [free cruise]\naction: drop\n", "the same phrases: none made"},
	} {
		write(step.yaml)
		if err := d.reload(); err != nil {
			t.Fatal(err)
		}
		readies(i + 2)
		if made, _ := d.recs.counts(); made != 6 || kept() != 3 {
			t.Errorf("after a reload with %s, 3 kept: made %d in all, kept %d", step.what, made, kept())
		}
	}
	cancel()
	<-warmerDone
	for i, r := range e.made {
		want := 0 // kept
		if i < 3 {
			want = 1 // the old rules'
		}
		if r.closes != want || r.resets != 1 {
			t.Errorf("recognizer %d: reset %d times, closed %d; want reset once, closed %d", i, r.resets, r.closes, want)
		}
	}

	bad, err := newDaemon(cfg, daemonOptions{Engine: &countingEngine{fail: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if err := bad.warmUp(t.Context()); err == nil || !strings.Contains(err.Error(), "making the analysis's recognizers: no recognizer") {
		t.Errorf("warm-up with an engine that makes no recognizer: %v", err)
	}
}

// syncBuf is a bytes.Buffer safe for a logger on another goroutine.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *syncBuf) String() string              { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }
