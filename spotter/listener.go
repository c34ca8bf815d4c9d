package spotter

import (
	"fmt"
	"time"

	"github.com/spitfilter/spitfilter/decode"
)

// ListenerConfig tunes a Listener. The zero value means the defaults given
// per field.
type ListenerConfig struct {
	// Gate tunes the voice activity gate; its Rate is the input rate,
	// default 8000 (G.711).
	Gate GateConfig
	// Mode is how the recognizer listens (see Mode). Patterns need full
	// recognition: with patterns, ModeAuto asks for ModeFull.
	Mode Mode
	// Image is the fraction of the spectral image kept when 8 kHz audio is
	// upsampled for a 16 kHz model (see decode.NewImageUpsampler). Default
	// DefaultImage; negative means none (a clean low-pass).
	Image float64
	// PartialEvery is how often, in audio time, the listener matches the
	// recognizer's partial hypothesis, so that a phrase is detected while
	// the utterance goes on. Default 500 ms; negative turns it off
	// (detections only at the end of each utterance).
	PartialEvery time.Duration
	// Transcript keeps the final words, for Transcript(). Off by default:
	// privacy.
	Transcript bool
}

// DefaultImage is ListenerConfig.Image's default, chosen by the accuracy
// benchmark (testdata/corpus/cmd/accuracy).
const DefaultImage = 0.5

// Listener is one stream's path from PCM to detections: gate, recognizer,
// matcher. It is used by one goroutine at a time.
type Listener struct {
	cfg     ListenerConfig
	eng     Engine
	vocab   Vocabulary
	rec     Recognizer // nil after Release, until audio needs one again
	m       *Matcher
	gate    *Gate
	up      *decode.Upsampler // nil when the engine takes the input rate
	inRate  int
	outRate int

	pre      []int16 // the last PreRoll input samples, a ring
	prePos   int
	tail     []int16 // the pre-roll in order, when an utterance opens
	frame    []int16 // input samples of the frame being filled
	buf      []int16 // upsampled audio for the recognizer
	samples  int64   // input samples seen
	uttStart int64   // input sample where the current utterance starts
	sinceP   int     // input samples fed since the last partial match

	history []token // final tokens of recent utterances
	words   []Word
	toks    []token
	emitted []Detection
	out     []Detection
	script  []Word

	stats ListenerStats
}

// ListenerStats counts what a listener did.
type ListenerStats struct {
	Audio      time.Duration // audio written
	Speech     time.Duration // audio the gate passed to the recognizer
	Utterances int
	Words      int
	Detections int
	Duplicates int // detections dropped as repeats of reported ones
}

// ListenerVocabulary is the vocabulary a listener for m and cfg asks its
// engine's recognizer for: the matcher's phrases, in cfg's mode (full
// recognition when the mode is auto and there are patterns). Keyword mode
// with patterns is an error.
func ListenerVocabulary(m *Matcher, cfg ListenerConfig) (Vocabulary, error) {
	mode := cfg.Mode
	if mode == ModeAuto && m.HasPatterns() {
		mode = ModeFull
	}
	if mode == ModeKeyword && m.HasPatterns() {
		return Vocabulary{}, fmt.Errorf("spotter: patterns need full recognition, not mode %q", mode)
	}
	return Vocabulary{Phrases: m.Phrases(), Mode: mode}, nil
}

// NewListener makes a recognizer for the matcher's phrases and a gate.
func NewListener(e Engine, m *Matcher, cfg ListenerConfig) (*Listener, error) {
	cfg.Gate.defaults()
	if cfg.PartialEvery == 0 {
		cfg.PartialEvery = 500 * time.Millisecond
	}
	if cfg.Image == 0 {
		cfg.Image = DefaultImage
	}
	vocab, err := ListenerVocabulary(m, cfg)
	if err != nil {
		return nil, err
	}
	l := &Listener{cfg: cfg, m: m, gate: NewGate(cfg.Gate), inRate: cfg.Gate.Rate, outRate: e.SampleRate()}
	switch {
	case l.outRate == l.inRate:
	case l.outRate == 2*l.inRate:
		l.up = decode.NewImageUpsampler(max(0, cfg.Image))
	default:
		return nil, fmt.Errorf("spotter: %s wants %d Hz audio; only %d or %d Hz can be given", e.Name(), l.outRate, l.inRate, 2*l.inRate)
	}
	l.eng, l.vocab = e, vocab
	rec, err := e.NewRecognizer(l.vocab)
	if err != nil {
		return nil, err
	}
	l.rec = rec
	l.pre = make([]int16, l.gate.PreRoll())
	l.frame = make([]int16, 0, l.gate.FrameLen())
	return l, nil
}

// Write feeds the stream's next samples (at the gate's rate) and appends
// the detections they completed to dst. Lost audio should be written as
// silence, so that times stay those of the stream.
func (l *Listener) Write(dst []Detection, pcm []int16) ([]Detection, error) {
	l.out = dst
	fl := l.gate.FrameLen()
	for len(pcm) > 0 {
		n := min(fl-len(l.frame), len(pcm))
		l.frame = append(l.frame, pcm[:n]...)
		pcm = pcm[n:]
		if len(l.frame) < fl {
			break
		}
		if err := l.onFrame(l.frame); err != nil {
			return l.out, err
		}
		l.frame = l.frame[:0]
	}
	return l.out, nil
}

func (l *Listener) onFrame(f []int16) error {
	l.samples += int64(len(f))
	l.stats.Audio = l.dur(l.samples)
	wasOpen := l.gate.IsOpen()
	ev := l.gate.Frame(f)
	switch {
	case ev == Open:
		// The utterance starts with the pre-roll, then this frame.
		l.stats.Utterances++
		l.uttStart = max(0, l.samples-int64(len(f))-int64(len(l.pre)))
		if l.up != nil {
			l.up.Reset()
		}
		n := int(min(int64(len(l.pre)), l.samples-int64(len(f))))
		ring := l.ringTail(n)
		if err := l.feed(ring); err != nil {
			return err
		}
		if err := l.feed(f); err != nil {
			return err
		}
	case wasOpen:
		if err := l.feed(f); err != nil {
			return err
		}
		if ev == Close {
			return l.final()
		}
		if l.cfg.PartialEvery > 0 && l.dur(int64(l.sinceP)) >= l.cfg.PartialEvery {
			l.partial()
		}
	}
	l.remember(f)
	return nil
}

// ringTail returns the last n samples of the pre-roll ring in order, in a
// buffer reused by the next call.
func (l *Listener) ringTail(n int) []int16 {
	start := l.prePos - n
	for start < 0 {
		start += len(l.pre)
	}
	l.tail = l.tail[:0]
	for i := range n {
		l.tail = append(l.tail, l.pre[(start+i)%len(l.pre)])
	}
	return l.tail
}

func (l *Listener) remember(f []int16) {
	for _, s := range f {
		l.pre[l.prePos] = s
		l.prePos++
		if l.prePos == len(l.pre) {
			l.prePos = 0
		}
	}
}

func (l *Listener) feed(pcm []int16) error {
	if l.rec == nil { // released: the stream's audio went on
		rec, err := l.eng.NewRecognizer(l.vocab)
		if err != nil {
			return err
		}
		l.rec = rec
	}
	l.sinceP += len(pcm)
	l.stats.Speech += l.dur(int64(len(pcm)))
	if l.up == nil {
		return l.rec.Write(pcm)
	}
	l.buf = l.up.AppendProcess(l.buf[:0], pcm)
	return l.rec.Write(l.buf)
}

func (l *Listener) dur(samples int64) time.Duration {
	return time.Duration(samples) * time.Second / time.Duration(l.inRate)
}

// offset is the stream time of the current utterance's first sample, as the
// recognizer hears it (the upsampler's delay removed).
func (l *Listener) offset() time.Duration {
	off := l.dur(l.uttStart)
	if l.up != nil {
		off -= time.Duration(l.up.Delay()) * time.Second / time.Duration(l.outRate)
	}
	return off
}

// partial matches the recognizer's current hypothesis.
func (l *Listener) partial() {
	l.sinceP = 0
	l.words = l.rec.Partial(l.words[:0])
	if len(l.words) == 0 {
		return
	}
	l.toks = append(l.toks[:0], l.history...)
	l.toks = appendTokens(l.toks, l.words, l.offset())
	l.match(len(l.history), true)
}

// final ends the utterance and matches its words.
func (l *Listener) final() error {
	l.sinceP = 0
	var err error
	l.words, err = l.rec.Final(l.words[:0])
	if err != nil {
		return err
	}
	l.stats.Words += len(l.words)
	if l.cfg.Transcript {
		off := l.offset()
		for _, w := range l.words {
			w.Start += off
			w.End += off
			l.script = append(l.script, w)
		}
	}
	l.toks = append(l.toks[:0], l.history...)
	l.toks = appendTokens(l.toks, l.words, l.offset())
	l.match(len(l.history), false)
	// Keep a window of recent words for patterns and for phrases that
	// straddle a pause.
	const keep = 64
	h := l.toks
	if len(h) > keep {
		h = h[len(h)-keep:]
	}
	l.history = append(l.history[:0], h...)
	return nil
}

func (l *Listener) match(from int, partial bool) {
	var found []Detection
	found = l.m.matchPhrases(found, l.toks, from, partial)
	found = l.m.matchPatterns(found, l.toks, from, partial)
	for _, d := range found {
		if l.repeat(d) {
			l.stats.Duplicates++
			continue
		}
		d.At = l.dur(l.samples)
		if len(l.emitted) == 64 { // bounded: old detections cannot repeat
			l.emitted = append(l.emitted[:0], l.emitted[32:]...)
		}
		l.emitted = append(l.emitted, d)
		l.stats.Detections++
		l.out = append(l.out, d)
	}
}

// repeat reports whether d overlaps an already reported detection of the
// same rule (a partial and then a final hypothesis, or keyword spotting and
// full recognition, hearing the same words).
func (l *Listener) repeat(d Detection) bool {
	const slack = 500 * time.Millisecond
	for _, e := range l.emitted {
		if e.Rule == d.Rule && d.Start < e.End+slack && d.End+slack > e.Start {
			return true
		}
	}
	return false
}

// Flush ends the stream's audio: an open utterance is finished and matched.
func (l *Listener) Flush(dst []Detection) ([]Detection, error) {
	l.out = dst
	if l.gate.IsOpen() {
		l.gate = NewGate(l.cfg.Gate)
		if err := l.final(); err != nil {
			return l.out, err
		}
	}
	return l.out, nil
}

// Transcript returns the final words heard, in stream time, when the config
// asked for it.
func (l *Listener) Transcript() []Word { return l.script }

// Stats returns the listener's counters.
func (l *Listener) Stats() ListenerStats { return l.stats }

// Release is Flush, then the recognizer is closed (handed back to the
// engine) while the listener keeps the words it heard, for a stream whose
// audio has probably ended for good (an RTCP BYE) but may go on. If more
// audio is written, the listener takes a new recognizer from its engine at
// the next utterance, and a phrase that straddles the release is matched
// as if there had been a pause.
func (l *Listener) Release(dst []Detection) ([]Detection, error) {
	dst, err := l.Flush(dst)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return dst, err
}

// Close releases the recognizer.
func (l *Listener) Close() error {
	if l.rec == nil {
		return nil
	}
	err := l.rec.Close()
	l.rec = nil
	return err
}
