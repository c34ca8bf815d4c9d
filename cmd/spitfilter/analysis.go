package main

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spitfilter/spitfilter/cmd/internal/speech"
	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/spotter"
	"github.com/spitfilter/spitfilter/spotter/remote"
)

// DefaultAnalysisDepth is how many audio frames a stream may have waiting
// for analysis (about 5 s of 20 ms packets) before its audio is skipped.
const DefaultAnalysisDepth = 256

// AnalysisPriority is how the analysis threads share the CPU with the rest
// of the host (see lowerPriority).
type AnalysisPriority uint8

const (
	// AnalysisIdle: only CPU time nothing else wants (SCHED_IDLE). The
	// default: the traffic, and the host's own work, first.
	AnalysisIdle AnalysisPriority = iota
	// AnalysisBatch: a fair share next to the host's other work
	// (SCHED_BATCH, nice 0).
	AnalysisBatch
)

func (p AnalysisPriority) String() string {
	if p == AnalysisBatch {
		return "batch"
	}
	return "idle"
}

// ParseAnalysisPriority reads "idle" or "batch".
func ParseAnalysisPriority(s string) (AnalysisPriority, error) {
	switch s {
	case "idle":
		return AnalysisIdle, nil
	case "batch":
		return AnalysisBatch, nil
	}
	return 0, fmt.Errorf("analysis priority %q: want idle or batch", s)
}

// analyzer is the slow path: it takes the streams' audio off the fast path
// (copied into each stream's bounded queue, never waiting) and runs a
// bounded pool of workers that decode it and feed each stream's
// spotter.Listener. A stream's audio is processed in order, by one worker at
// a time. A detection sets the stream's enforce.State, which the fast path
// reads for the stream's later packets.
type analyzer struct {
	log    *slog.Logger
	engine spotter.Engine
	pol    *atomic.Pointer[policy]
	emit   func(event)
	depth  int
	prio   AnalysisPriority
	work   chan *job
	quit   chan struct{}
	wg     sync.WaitGroup // workers
	jobs   sync.WaitGroup // streams not yet finished
	stop   atomic.Bool    // shutting down: audio still queued is not analysed
	once   sync.Once

	started, ended          atomic.Uint64 // streams
	live                    atomic.Int64
	framesQueued, skipped   atomic.Uint64 // frames copied for analysis, frames skipped (queue full)
	overRealTime            atomic.Uint64 // frames skipped: their stream sent audio faster than real time
	backlog                 atomic.Int64  // frames waiting now
	scheduleFull            atomic.Uint64 // a stream could not be put on the work queue (never expected)
	audio, busy             atomic.Int64  // analysed audio and the time spent on it, in ns
	detections, listenerErr atomic.Uint64

	mu     sync.Mutex
	byRule map[string]uint64
}

// job is one stream's analysis: its decision state, hung on the stream's
// Tag by the fast path, and the single-producer single-consumer ring of
// frames between the queue reader (producer) and a worker (consumer).
type job struct {
	key   rtpflow.Key
	state *enforce.State

	ring      []slot
	head      atomic.Uint64 // next slot the worker reads
	tail      atomic.Uint64 // next slot the reader writes
	scheduled atomic.Bool   // on the work queue or being processed
	ended     atomic.Bool   // the stream left the table; no more frames
	byes      atomic.Uint32 // releases asked for: the stream stayed quiet after a BYE
	gapOwed   int           // reader only: samples of frames skipped, added to the next frame's gap
	budget    budget        // reader only: how much of the stream's audio may be analysed
	flooded   bool          // reader only: the budget has refused a frame (logged once)
	byeAt     time.Time     // reader only: a BYE waits for the stream to stay quiet (zero: none)

	// worker only
	listener *spotter.Listener
	gen      uint64        // policy generation the listener was made with
	offset   time.Duration // stream time at which the listener started
	samples  int64         // audio samples analysed (8 kHz)
	firstTS  uint64
	started  bool
	failed   bool
	byesSeen uint32    // releases done
	last     time.Time // arrival of the latest frame analysed
	pcm      []int16
	found    []spotter.Detection
	enforced bool
}

// slot is one copied frame.
type slot struct {
	ts      uint64
	arrival time.Time
	pt      uint8
	gap     int
	payload []byte
}

func newAnalyzer(log *slog.Logger, engine spotter.Engine, pol *atomic.Pointer[policy], emit func(event), depth, workers, maxJobs int, prio AnalysisPriority) *analyzer {
	if depth <= 0 {
		depth = DefaultAnalysisDepth
	}
	if emit == nil {
		emit = func(event) {}
	}
	a := &analyzer{
		log: log, engine: engine, pol: pol, emit: emit, depth: depth, prio: prio,
		work:   make(chan *job, maxJobs),
		quit:   make(chan struct{}),
		byRule: map[string]uint64{},
	}
	for range max(1, workers) {
		a.wg.Add(1)
		go a.worker()
	}
	return a
}

// job returns the stream's job, making it at the stream's first packet.
// It runs on the stream's queue reader.
func (a *analyzer) job(s *rtpflow.Stream) *job {
	if j, ok := s.Tag.(*job); ok {
		return j
	}
	j := &job{key: s.Key, state: enforce.NewState(s.Key), ring: make([]slot, a.depth)}
	s.Tag = j
	a.jobs.Add(1)
	a.started.Add(1)
	a.live.Add(1)
	return j
}

// handoffInterval is how often a lane hands the streams that have new
// audio to the workers. Handing each frame over at once woke a worker
// thread for every packet: two context switches and a futex call per
// packet on the fast path, which at high packet rates cost more than the
// judging. A stream's audio thus waits up to this long before analysis.
const handoffInterval = 10 * time.Millisecond

// laneSink is the rtpflow.Sink of one lane's table: it copies the streams'
// audio into their rings and gathers the streams that need a worker, to be
// handed over at most every handoffInterval. It is used by the lane's
// reader only.
type laneSink struct {
	a       *analyzer
	pending []*job
	last    time.Time // last handoff
	byes    []*job    // streams whose BYE waits for them to stay quiet
}

// sink returns the rtpflow.Sink of a lane's table.
func (a *analyzer) sink() *laneSink { return &laneSink{a: a, pending: make([]*job, 0, 64)} }

// Frame copies the frame into the stream's ring, or skips it when the ring
// is full. It never blocks.
func (ls *laneSink) Frame(s *rtpflow.Stream, f *rtpflow.Frame) {
	a := ls.a
	if decode.CodecForPayloadType(f.PayloadType) == decode.Unknown {
		return // not audio we can listen to
	}
	j := a.job(s)
	if !j.byeAt.IsZero() {
		j.byeAt = time.Time{} // the stream talks on after its BYE: no release
	}
	if !j.budget.take(f.Arrival, len(f.Payload)) {
		// Not owed as a gap: stream time counts the audio analysed, so
		// that a flood's timestamps cannot make the worker decode
		// silence faster than real time either.
		a.overRealTime.Add(1)
		if !j.flooded {
			j.flooded = true
			a.log.Warn("stream sends audio faster than real time: only real time of it is analysed", "stream", j.key.String())
		}
		return
	}
	t := j.tail.Load()
	if t-j.head.Load() >= uint64(len(j.ring)) {
		a.skipped.Add(1)
		j.gapOwed += f.GapSamples + len(f.Payload) // G.711: one sample a byte
		return
	}
	sl := &j.ring[t%uint64(len(j.ring))]
	sl.ts, sl.arrival, sl.pt = f.Timestamp, f.Arrival, f.PayloadType
	sl.gap = f.GapSamples + j.gapOwed
	if f.Discontinuity {
		sl.gap = j.gapOwed
	}
	j.gapOwed = 0
	sl.payload = append(sl.payload[:0], f.Payload...)
	j.tail.Store(t + 1)
	a.framesQueued.Add(1)
	a.backlog.Add(1)
	ls.mark(j)
}

// End marks the stream finished; its worker frees the listener.
func (ls *laneSink) End(s *rtpflow.Stream, _ rtpflow.EndReason) {
	j := ls.a.job(s)
	j.ended.Store(true)
	ls.mark(j)
}

// byeQuiet is how long a stream must stay without audio after its RTCP
// BYE before its worker hands the recognizer back. A sender that talks on
// after its BYE, or sends one BYE after another, keeps its listener: its
// utterances are not cut (a cut in the middle of a word would hide it).
const byeQuiet = time.Second

// AudioEnd is told of a stream's RTCP BYE. Once the stream has stayed
// without audio for byeQuiet, its worker finishes the listener's utterance
// (final detections) and hands its recognizer back, for the next call,
// instead of when the stream leaves the table. The stream's decision stays
// in force until then. Should the stream's audio go on later still, the
// listener takes a recognizer again, with the words heard before.
func (ls *laneSink) AudioEnd(s *rtpflow.Stream, at time.Time) {
	j, ok := s.Tag.(*job)
	if !ok {
		return // no audio was ever queued: nothing to finish
	}
	if j.byeAt.IsZero() {
		ls.byes = append(ls.byes, j)
	}
	j.byeAt = at
}

// quietAfterBye asks the workers to release the recognizers of the streams
// that have stayed without audio for byeQuiet after their BYE (now: the
// latest packet's time, or the clock when idle), and forgets the streams
// whose audio went on or that left the table.
func (ls *laneSink) quietAfterBye(now time.Time) {
	keep := ls.byes[:0]
	for _, j := range ls.byes {
		if j.byeAt.IsZero() || j.ended.Load() {
			continue // talked on, or gone
		}
		if now.Sub(j.byeAt) < byeQuiet {
			keep = append(keep, j)
			continue
		}
		j.byeAt = time.Time{}
		j.byes.Add(1)
		ls.mark(j)
	}
	clear(ls.byes[len(keep):])
	ls.byes = keep
}

// mark notes that j needs a worker, unless it has one already (a worker
// that owns a job looks for new frames before it lets go).
func (ls *laneSink) mark(j *job) {
	if j.scheduled.CompareAndSwap(false, true) {
		ls.pending = append(ls.pending, j)
	}
}

// handoff puts the marked streams on the work queue when handoffInterval
// has passed since the last time (now is the latest packet's time), or at
// once with force.
func (ls *laneSink) handoff(now time.Time, force bool) {
	if len(ls.byes) > 0 {
		ls.quietAfterBye(now)
	}
	if len(ls.pending) == 0 || !force && now.Sub(ls.last) < handoffInterval && !now.Before(ls.last) {
		return
	}
	ls.last = now
	for i, j := range ls.pending {
		select {
		case ls.a.work <- j:
		default:
			j.scheduled.Store(false)
			ls.a.scheduleFull.Add(1)
		}
		ls.pending[i] = nil
	}
	ls.pending = ls.pending[:0]
}

func (a *analyzer) worker() {
	defer a.wg.Done()
	if err := lowerPriority(a.prio); err != nil {
		a.log.Warn("analysis thread keeps its priority", "err", err)
	}
	for {
		select {
		case <-a.quit:
			return
		case j := <-a.work:
			a.process(j)
		}
	}
}

// process drains a job's ring; it owns the job until it clears scheduled.
func (a *analyzer) process(j *job) {
	for {
		ended, byes := j.ended.Load(), j.byes.Load()
		a.drain(j)
		if ended {
			a.finish(j)
			return
		}
		if byes != j.byesSeen {
			j.byesSeen = byes
			a.releaseListener(j, a.livePolicy())
		}
		j.scheduled.Store(false)
		if j.head.Load() == j.tail.Load() && !j.ended.Load() {
			return
		}
		if !j.scheduled.CompareAndSwap(false, true) {
			return // the reader scheduled it again: another worker takes it
		}
	}
}

func (a *analyzer) drain(j *job) {
	n := uint64(len(j.ring))
	for h, t := j.head.Load(), j.tail.Load(); h < t; h++ {
		if !a.stop.Load() {
			a.analyse(j, &j.ring[h%n])
		}
		j.head.Store(h + 1)
		a.backlog.Add(-1)
	}
}

// analyse decodes one frame and feeds it to the stream's listener, made
// (or remade after a reload) with the policy in force.
func (a *analyzer) analyse(j *job, sl *slot) {
	pol := a.pol.Load()
	codec := decode.CodecForPayloadType(sl.pt)
	if !j.started {
		j.started, j.firstTS = true, sl.ts-uint64(sl.gap)
	}
	j.last = sl.arrival
	j.pcm = decode.AppendSilence(j.pcm[:0], sl.gap)
	j.pcm = codec.AppendDecode(j.pcm, sl.payload)
	n := len(j.pcm)
	defer func() { j.samples += int64(n) }()
	if j.listener == nil || j.gen != pol.gen {
		a.switchListener(j, pol)
	}
	if j.listener == nil {
		return
	}
	start := time.Now()
	var err error
	j.found, err = j.listener.Write(j.found[:0], j.pcm)
	a.busy.Add(int64(time.Since(start)))
	a.audio.Add(int64(n) * int64(time.Second) / 8000)
	a.detected(j, pol, j.found)
	if err != nil {
		a.listenerErr.Add(1)
		a.closeListener(j, nil)
		if errors.Is(err, remote.ErrProcessEnded) {
			// Not the stream's fault: its next frame gets a listener
			// from the recognizer process started again.
			a.log.Warn("recognizer lost; the stream's listener starts again", "stream", j.key.String(), "err", err)
			return
		}
		a.log.Warn("listener failed; the stream is no longer analysed", "stream", j.key.String(), "err", err)
		j.failed = true
	}
}

// switchListener retires the stream's listener (its open utterance is
// finished and matched with the rules it was made with) and makes one with
// pol. Existing streams thus move to reloaded rules at once, at the next
// frame analysed after the reload; detection times stay in stream time.
func (a *analyzer) switchListener(j *job, pol *policy) {
	if j.listener != nil {
		a.closeListener(j, a.pol.Load())
	}
	j.gen = pol.gen
	if pol.matcher == nil || j.failed {
		return
	}
	l, err := spotter.NewListener(a.engine, pol.matcher, pol.listen)
	if err != nil {
		a.listenerErr.Add(1)
		a.log.Warn("cannot listen to stream", "stream", j.key.String(), "err", err)
		// A recognizer process that ended is started again (with a
		// backoff): the next frame tries again.
		j.failed = !errors.Is(err, remote.ErrProcessEnded)
		return
	}
	j.listener = l
	j.offset = time.Duration(j.samples) * time.Second / 8000
}

// closeListener releases the listener's recognizer (releaseListener) and
// drops the listener.
func (a *analyzer) closeListener(j *job, pol *policy) {
	a.releaseListener(j, pol)
	j.listener = nil
}

// releaseListener finishes the listener's utterance and hands its
// recognizer back, keeping the listener; the flushed detections are acted
// on under pol unless pol is nil.
func (a *analyzer) releaseListener(j *job, pol *policy) {
	if j.listener == nil {
		return
	}
	found, err := j.listener.Release(j.found[:0])
	if err == nil && pol != nil {
		a.detected(j, pol, found)
	}
}

// livePolicy is the policy detections are acted on with, nil once the
// analyzer is shutting down.
func (a *analyzer) livePolicy() *policy {
	if a.stop.Load() {
		return nil
	}
	return a.pol.Load()
}

// finish ends a job: the listener is flushed and freed.
func (a *analyzer) finish(j *job) {
	a.closeListener(j, a.livePolicy())
	if j.enforced {
		if d, ok := j.state.Decision(); ok {
			a.emit(newEvent(eventEnforcementEnd, j, d.Rule, d.Action.String(), j.last))
		}
	}
	a.live.Add(-1)
	a.ended.Add(1)
	a.jobs.Done()
}

// detected acts on a listener's detections: the stream's decision is set
// from the packet time of the frame that completed the detection (action
// from the rule, hold and mark from the policy), and events are emitted.
func (a *analyzer) detected(j *job, pol *policy, ds []spotter.Detection) {
	for _, d := range ds {
		a.detections.Add(1)
		a.mu.Lock()
		a.byRule[d.Rule]++
		a.mu.Unlock()
		ev := newEvent(eventDetection, j, d.Rule, d.Action, j.last)
		ev.Kind, ev.Text, ev.Confidence, ev.Partial = string(d.Kind), d.Text, d.Confidence, d.Partial
		ev.StartS = (j.offset + d.Start).Seconds()
		ev.EndS = (j.offset + d.End).Seconds()
		ev.RTPStart = uint64(speech.RTPTimestamp(j.firstTS, j.offset+d.Start))
		ev.RTPEnd = uint64(speech.RTPTimestamp(j.firstTS, j.offset+d.End))
		a.emit(ev)

		act, err := enforce.ParseAction(d.Action)
		if err != nil {
			a.log.Warn("detection with an unknown action; nothing enforced", "rule", d.Rule, "err", err)
			continue
		}
		dec := enforce.Decision{Action: act, Rule: d.Rule, Mark: pol.cfg.Mark, From: j.last}
		if pol.cfg.Hold > 0 {
			dec.Until = j.last.Add(pol.cfg.Hold)
		}
		if cur, ok := j.state.Decision(); ok && (cur.Until.IsZero() || cur.Until.After(j.last)) && cur.Action.Severity() > act.Severity() {
			continue // a more severe decision is in force
		}
		if err := j.state.Set(dec); err != nil {
			a.log.Warn("cannot enforce", "rule", d.Rule, "err", err)
			continue
		}
		j.enforced = true
		st := newEvent(eventEnforcementStart, j, d.Rule, act.String(), j.last)
		st.HoldS = pol.cfg.Hold.Seconds()
		// Enforcement starts with the audio that completed the detection.
		st.StartS = (j.offset + d.At).Seconds()
		st.RTPStart = uint64(speech.RTPTimestamp(j.firstTS, j.offset+d.At))
		if act == enforce.ActionMark {
			st.Mark = pol.cfg.Mark
		}
		a.emit(st)
	}
}

// shutdown stops the workers. The lanes must have been flushed (every
// stream ended) first; audio still queued is dropped, listeners are freed.
// It waits at most wait for the streams to finish.
func (a *analyzer) shutdown(wait time.Duration) {
	a.once.Do(func() { a.shutdownOnce(wait) })
}

func (a *analyzer) shutdownOnce(wait time.Duration) {
	a.stop.Store(true)
	done := make(chan struct{})
	go func() { a.jobs.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
		a.log.Warn("streams still being analysed at shutdown", "streams", a.live.Load())
	}
	close(a.quit)
	a.wg.Wait()
}

// analysisStats are the slow path's counts.
type analysisStats struct {
	StreamsStarted, StreamsEnded uint64
	LiveStreams                  int64
	FramesQueued, FramesSkipped  uint64
	FramesOverRealTime           uint64 // skipped: the stream outran its budget
	Backlog                      int64  // frames waiting for analysis now
	ScheduleFull                 uint64
	Audio, Busy                  time.Duration // audio analysed, time spent on it (Busy/Audio: real-time factor)
	Detections, ListenerErrors   uint64
	ByRule                       map[string]uint64
}

func (a *analyzer) stats() analysisStats {
	s := analysisStats{
		StreamsStarted: a.started.Load(), StreamsEnded: a.ended.Load(), LiveStreams: a.live.Load(),
		FramesQueued: a.framesQueued.Load(), FramesSkipped: a.skipped.Load(), Backlog: a.backlog.Load(),
		FramesOverRealTime: a.overRealTime.Load(),
		ScheduleFull:       a.scheduleFull.Load(),
		Audio:              time.Duration(a.audio.Load()), Busy: time.Duration(a.busy.Load()),
		Detections: a.detections.Load(), ListenerErrors: a.listenerErr.Load(),
		ByRule: map[string]uint64{},
	}
	a.mu.Lock()
	for k, v := range a.byRule {
		s.ByRule[k] = v
	}
	a.mu.Unlock()
	return s
}
