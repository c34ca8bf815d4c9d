package main

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spitfilter/spitfilter/spotter"
)

// recPool is the spotter.Engine the analysis makes its recognizers with: it
// keeps the recognizers of ended streams, up to max of them, and gives them
// to the next streams that listen for the same vocabulary. Making a
// PocketSphinx recognizer costs 0.3–0.4 s of CPU (its decoders load the
// models) before a new call's first word can be heard; a kept one is reset
// and ready. Each kept one holds its memory (about 100 MB for PocketSphinx
// full recognition, 30 MB for keyword spotting).
//
// Recognizers are kept for the vocabulary of the newest request only: once
// a reload changes the banned phrases or the mode, the kept ones are closed,
// and so is every recognizer of the old vocabulary as its stream ends.
type recPool struct {
	spotter.Engine
	max int

	mu     sync.Mutex
	key    string // vocabulary of the newest request
	idle   []spotter.Recognizer
	closed bool

	made, reused atomic.Uint64
}

func newRecPool(e spotter.Engine, max int) *recPool {
	return &recPool{Engine: e, max: max}
}

func vocabularyKey(v spotter.Vocabulary) string {
	return string(v.Mode) + "\x00" + strings.Join(v.Phrases, "\x00")
}

// NewRecognizer gives a kept recognizer for v, or makes one.
func (p *recPool) NewRecognizer(v spotter.Vocabulary) (spotter.Recognizer, error) {
	k := vocabularyKey(v)
	p.mu.Lock()
	var stale []spotter.Recognizer
	if k != p.key {
		stale, p.idle, p.key = p.idle, nil, k
	}
	var r spotter.Recognizer
	for n := len(p.idle); r == nil && n > 0; n-- {
		r, p.idle[n-1] = p.idle[n-1], nil
		p.idle = p.idle[:n-1]
		if lost(r) {
			stale, r = append(stale, r), nil
		}
	}
	p.mu.Unlock()
	closeRecognizers(stale)
	if r != nil {
		p.reused.Add(1)
	} else {
		var err error
		if r, err = p.Engine.NewRecognizer(v); err != nil {
			return nil, err
		}
		p.made.Add(1)
	}
	return &pooled{Recognizer: r, pool: p, key: k}, nil
}

// lost reports whether r can no longer be used (a recognizer of the
// recognizer process that failed or whose process ended).
func lost(r spotter.Recognizer) bool {
	l, ok := r.(interface{ Lost() bool })
	return ok && l.Lost()
}

// put takes back a recognizer of vocabulary k, reset, or closes it (also
// when it is lost).
func (p *recPool) put(k string, r spotter.Recognizer) error {
	r.Reset()
	p.mu.Lock()
	if !p.closed && k == p.key && len(p.idle) < p.max && !lost(r) {
		p.idle = append(p.idle, r)
		r = nil
	}
	p.mu.Unlock()
	if r != nil {
		return r.Close()
	}
	return nil
}

// Close closes the kept recognizers; recognizers handed back later are
// closed at once. The engine stays open: it is not the pool's to close.
func (p *recPool) Close() error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	closeRecognizers(idle)
	return nil
}

// spare is how many recognizers for v the pool keeps now, and how many it
// may keep.
func (p *recPool) spare(v spotter.Vocabulary) (n, max int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.key == vocabularyKey(v) {
		n = len(p.idle)
	}
	return n, p.max
}

// counts returns how many recognizers were made and how many were reused.
func (p *recPool) counts() (made, reused uint64) { return p.made.Load(), p.reused.Load() }

func closeRecognizers(rs []spotter.Recognizer) {
	for _, r := range rs {
		r.Close()
	}
}

// pooled is a recognizer on loan from a recPool: Close hands it back.
type pooled struct {
	spotter.Recognizer
	pool *recPool
	key  string
	done bool
}

func (r *pooled) Close() error {
	if r.done {
		return nil
	}
	r.done = true
	return r.pool.put(r.key, r.Recognizer)
}
