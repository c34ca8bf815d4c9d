package main

import (
	"errors"
	"sync"
	"testing"

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
}

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
