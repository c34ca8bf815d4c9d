package spotter

import (
	"math"
	"time"
)

// GateConfig tunes the voice activity gate. The zero value means the
// defaults given per field.
type GateConfig struct {
	// Rate is the input's sample rate in Hz. Default 8000.
	Rate int
	// Margin is how far above the tracked noise floor a frame must be to
	// count as speech, in dB. Default 9.
	Margin float64
	// Floor is the level below which nothing is speech, in dBFS.
	// Default -55.
	Floor float64
	// Onset is how much speech opens an utterance. Default 40 ms.
	Onset time.Duration
	// PreRoll is how much audio before the onset the utterance keeps, so
	// that quiet word beginnings are not cut. Default 300 ms.
	PreRoll time.Duration
	// Hangover is how much non-speech closes an utterance. Default 600 ms.
	Hangover time.Duration
	// MaxUtterance bounds an utterance: past it, the next pause closes it,
	// and at twice it the utterance is cut. Default 20 s.
	MaxUtterance time.Duration
}

func (c *GateConfig) defaults() {
	if c.Rate == 0 {
		c.Rate = 8000
	}
	if c.Margin == 0 {
		c.Margin = 9
	}
	if c.Floor == 0 {
		c.Floor = -55
	}
	if c.Onset == 0 {
		c.Onset = 40 * time.Millisecond
	}
	if c.PreRoll == 0 {
		c.PreRoll = 300 * time.Millisecond
	}
	if c.Hangover == 0 {
		c.Hangover = 600 * time.Millisecond
	}
	if c.MaxUtterance == 0 {
		c.MaxUtterance = 20 * time.Second
	}
}

// Gate is an energy voice activity detector with an adaptive noise floor.
// It looks at 10 ms frames: a frame is speech when its level is Margin dB
// above the noise floor (which follows the quietest recent frames: it drops
// at once and rises 1.5 dB a second) and above Floor. Onset of speech opens
// an utterance, beginning PreRoll before the onset; Hangover of non-speech
// closes it.
//
// The gate only decides; it keeps no audio. Its cost is one pass of
// multiply-adds over the samples.
type Gate struct {
	cfg                      GateConfig
	frameLen                 int
	partial                  int     // samples of the current frame so far
	energy                   float64 // sum of squares of the current frame
	floor                    float64 // noise floor, dBFS
	rise                     float64 // floor rise per frame, dB
	onset, hang, maxU, preFr int     // in frames
	run                      int     // consecutive speech frames (closed) or non-speech frames (open)
	open                     bool
	uttFrames                int
	frames                   int64 // frames seen
}

// NewGate returns a gate in the closed state.
func NewGate(cfg GateConfig) *Gate {
	cfg.defaults()
	g := &Gate{cfg: cfg, frameLen: cfg.Rate / 100, floor: 0}
	frames := func(d time.Duration) int { return max(1, int(d/(10*time.Millisecond))) }
	g.onset, g.hang, g.maxU, g.preFr = frames(cfg.Onset), frames(cfg.Hangover), frames(cfg.MaxUtterance), frames(cfg.PreRoll)
	g.rise = 1.5 / 100
	return g
}

// FrameLen is the gate's frame in samples (10 ms).
func (g *Gate) FrameLen() int { return g.frameLen }

// PreRoll is how many samples before the opening frame an utterance starts.
func (g *Gate) PreRoll() int { return (g.preFr + g.onset) * g.frameLen }

// Event is a change of the gate's state.
type Event int

const (
	None  Event = iota
	Open        // an utterance starts (PreRoll samples before this frame's end)
	Close       // the utterance ends with this frame
)

// Frame classifies one 10 ms frame (FrameLen samples) and says whether the
// gate opened or closed with it.
func (g *Gate) Frame(pcm []int16) Event {
	var e float64
	for _, s := range pcm {
		v := float64(s)
		e += v * v
	}
	g.frames++
	level := -100.0
	if e > 0 {
		level = 10 * math.Log10(e/float64(len(pcm))/(32768*32768))
	}
	if g.frames == 1 || level < g.floor {
		g.floor = level
	} else {
		g.floor += g.rise
	}
	speech := level > g.floor+g.cfg.Margin && level > g.cfg.Floor
	if !g.open {
		if speech {
			g.run++
			if g.run >= g.onset {
				g.open, g.run, g.uttFrames = true, 0, g.onset
				return Open
			}
		} else {
			g.run = 0
		}
		return None
	}
	g.uttFrames++
	if speech {
		g.run = 0
		// While speech lasts the floor must not creep up into it.
		g.floor -= g.rise
	} else {
		g.run++
	}
	if g.run >= g.hang || (g.uttFrames >= g.maxU && !speech) || g.uttFrames >= 2*g.maxU {
		g.open, g.run = false, 0
		return Close
	}
	return None
}

// IsOpen reports whether an utterance is in progress.
func (g *Gate) IsOpen() bool { return g.open }
