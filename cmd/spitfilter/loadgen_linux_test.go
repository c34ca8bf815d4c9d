//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/capture"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
	"github.com/spitfilter/spitfilter/spotter"
	"github.com/spitfilter/spitfilter/testdata/corpus"
)

// The load generator drives the daemon's real fast path (lane) and
// analyzer, with real PocketSphinx, from the speech corpus
// (testdata/corpus): N slots each play corpus calls back to back, one RTP
// packet per slot every 20 ms of wall time, and a fake verdict sink
// records which packets the fast path muted. Packet times are the pacing
// schedule (start + tick × 20 ms), so stream time and packet time agree.
// Recognizer CPU time is measured with getrusage(RUSAGE_THREAD) around
// every call into the engine.

const packetTime = 20 * time.Millisecond

// corpusCall is one corpus item as RTP: the G.711 payload of packet k of
// the call at payloads[k] (20 ms each, k = 0 at the truth's time 0), nil
// for a packet the capture lost.
type corpusCall struct {
	item     corpus.Item
	pt       uint8
	payloads [][]byte
	// aligned tells that packet 0 is the first packet sent (the capture
	// has the call's first and last packets), so that the truth's times
	// are exact; a call whose first packets were lost is used for load only.
	aligned bool
}

// readCall reads an item's capture: its RTP packets ordered by sequence.
func readCall(it corpus.Item) (corpusCall, error) {
	c := corpusCall{item: it}
	f, err := os.Open(it.Capture)
	if err != nil {
		return c, err
	}
	defer f.Close()
	r, err := capture.NewReader(f, it.Capture)
	if err != nil {
		return c, err
	}
	dec := packet.NewDecoder(packet.DecoderConfig{})
	var u packet.UDP
	type rec struct {
		seq     uint16
		payload []byte
	}
	var recs []rec
	for {
		data, info, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return c, err
		}
		if kind, _ := dec.Decode(info.LinkType, data, info.Timestamp, &u); kind != packet.KindUDP {
			continue
		}
		b := u.Payload
		if len(b) < 12 || b[0]>>6 != 2 || b[0]&0x3f != 0 { // plain RTP v2, as capgen writes it
			return c, fmt.Errorf("%s: packet %d: not plain RTP (first byte %#x)", it.Capture, r.Packets(), b[0])
		}
		c.pt = b[1] & 0x7f
		recs = append(recs, rec{binary.BigEndian.Uint16(b[2:]), append([]byte(nil), b[12:]...)})
	}
	if len(recs) == 0 {
		return c, fmt.Errorf("%s: no RTP packets", it.Capture)
	}
	// sequence numbers relative to the lowest (the capture may be reordered
	// by jitter, and may wrap)
	first := recs[0].seq
	for _, x := range recs {
		if int16(x.seq-first) < 0 {
			first = x.seq
		}
	}
	n := 0
	for _, x := range recs {
		n = max(n, int(x.seq-first)+1)
	}
	c.payloads = make([][]byte, n)
	for _, x := range recs {
		c.payloads[x.seq-first] = x.payload
	}
	generated := it.Packets + it.Lost
	c.aligned = n == generated
	if n > generated {
		return c, fmt.Errorf("%s: sequence numbers span %d packets, the truth says %d were generated", it.Capture, n, generated)
	}
	return c, nil
}

// corpusCalls generates (or reuses) the corpus, small or full, and reads
// its calls: $SPITFILTER_CORPUS_DIR keeps it between runs (the small
// corpus's items are the full one's, with the same files).
func corpusCalls(tb testing.TB, small bool) (spam, other []corpusCall) {
	tb.Helper()
	dir := os.Getenv("SPITFILTER_CORPUS_DIR")
	if dir == "" {
		dir = filepath.Join(tb.TempDir(), "corpus")
	}
	items, err := corpus.Generate(context.Background(), dir, corpus.Options{Small: small})
	if err != nil {
		tb.Fatalf("corpus: %v (make deps installs flite, espeak-ng, sox, pocketsphinx-testdata)", err)
	}
	for _, it := range items {
		c, err := readCall(it)
		if err != nil {
			tb.Fatal(err)
		}
		if it.Kind == corpus.Spam {
			spam = append(spam, c)
		} else {
			other = append(other, c)
		}
	}
	if len(spam) == 0 || len(other) == 0 {
		tb.Fatalf("corpus in %s: %d spam and %d other calls, want both", dir, len(spam), len(other))
	}
	return spam, other
}

// threadCPU returns the CPU time (user + system) the calling OS thread has
// used, from getrusage(RUSAGE_THREAD).
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		panic(err) // cannot fail on Linux with a valid pointer
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU is the whole process's CPU time, from getrusage(RUSAGE_SELF).
func processCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// onThread runs f with the goroutine locked to its thread and returns the
// thread CPU time f used.
func onThread(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	f()
	return threadCPU() - start
}

// cpuEngine is the real engine with the CPU time of every call into it
// counted: setup (NewRecognizer) and recognition (Write, Partial, Final,
// Reset, Close). It is a measuring wrapper, not a stand-in.
type cpuEngine struct {
	spotter.Engine
	setup, recognize atomic.Int64 // ns of thread CPU time
}

func (e *cpuEngine) NewRecognizer(v spotter.Vocabulary) (spotter.Recognizer, error) {
	var r spotter.Recognizer
	var err error
	e.setup.Add(int64(onThread(func() { r, err = e.Engine.NewRecognizer(v) })))
	if err != nil {
		return nil, err
	}
	return &cpuRecognizer{r: r, e: e}, nil
}

// cpu is the CPU time spent in the engine so far.
func (e *cpuEngine) cpu() (setup, recognize time.Duration) {
	return time.Duration(e.setup.Load()), time.Duration(e.recognize.Load())
}

type cpuRecognizer struct {
	r spotter.Recognizer
	e *cpuEngine
}

func (c *cpuRecognizer) count(f func()) { c.e.recognize.Add(int64(onThread(f))) }

func (c *cpuRecognizer) Write(pcm []int16) (err error) {
	c.count(func() { err = c.r.Write(pcm) })
	return err
}

func (c *cpuRecognizer) Partial(dst []spotter.Word) (out []spotter.Word) {
	c.count(func() { out = c.r.Partial(dst) })
	return out
}

func (c *cpuRecognizer) Final(dst []spotter.Word) (out []spotter.Word, err error) {
	c.count(func() { out, err = c.r.Final(dst) })
	return out, err
}

func (c *cpuRecognizer) Reset() { c.count(c.r.Reset) }

func (c *cpuRecognizer) Close() (err error) {
	c.count(func() { err = c.r.Close() })
	return err
}

// bannedConfig is the corpus's configuration (testdata/corpus/banned.yaml:
// every corpus phrase, action mute) with the given mode.
func bannedConfig(tb testing.TB, mode config.Mode) *config.Config {
	tb.Helper()
	path := filepath.Join("..", "..", "testdata", "corpus", "banned.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	data = fmt.Appendf(data, "\nmode: %s\n", mode)
	cfg, err := config.Parse(path, data)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// loadSpec is one run of the load generator.
type loadSpec struct {
	mode    config.Mode
	streams int // concurrent calls (slots)
	// Capacity runs (spamCalls == 0): every slot plays the corpus's calls
	// in turn, slot s starting at call s and at a point s/streams into it,
	// until duration has passed.
	duration time.Duration
	// Latency runs (spamCalls > 0): spamSlots slots play spamCalls spam
	// calls each, from their first packet, starting at staggered times
	// (slot s at s × stagger); the others play the ordinary calls until the
	// spam slots are done.
	spamSlots, spamCalls int
	stagger              time.Duration
	firstSpam            int // index of the first spam call played (repeat runs play others)
}

// spamTail is how much of a spam call is played after its phrase ends in
// a latency run: a call not muted by then counts as missed.
const spamTail = 2500 * time.Millisecond

// callRun is one call a slot played.
type callRun struct {
	idx       uint32 // in loadResult.calls
	call      *corpusCall
	key       rtpflow.Key
	startTick int // tick of packet 0 (which may lie before the run when the slot started mid-call)
	firstK    int // first packet index sent
	lastK     int // last packet index sent
	length    int // packets the call is played for
	firstMute int // packet index of the first muted packet; -1: none

	// the call's first detection
	detected bool
	rule     string
	startS   float64 // the detection's start, stream time
	frameS   float64 // stream time of the frame that completed it (event Time)
	emittedS float64 // stream time the call had reached when it was emitted
	partial  bool
	wrong    []string // detections of phrases the call does not say
}

// onPhrase tells whether a detection of rule starting at start (stream
// seconds) is the call's phrase where it is said: the corpus test's rule,
// within 1 s of the truth.
func onPhrase(it corpus.Item, rule string, start float64) bool {
	return it.Kind == corpus.Spam && rule == it.Phrase && math.Abs(start-it.PhraseStart) <= 1
}

// loadSample is the analysis state at one moment of a run.
type loadSample struct {
	tick    int
	backlog int64
	skipped uint64
}

// loadResult is what a run measured.
type loadResult struct {
	spec               loadSpec
	wall               time.Duration // pacing time
	ticks              int
	packets, verdicts  int
	calls              []*callRun
	samples            []loadSample
	stats              analysisStats // at the end of the pacing
	setupCPU, recCPU   time.Duration // engine CPU during the pacing
	procCPU            time.Duration // process CPU during the pacing
	pacerCPU           time.Duration // of which the pacer's thread: packets built, fast path
	pacerLate          time.Duration // the furthest the pacer fell behind its schedule
	loadAvg1, loadAvg5 float64
	steal              float64 // fraction of the machine's CPU time the hypervisor stole during the pacing
}

// rtf is the recognizer's CPU real-time factor: engine CPU time (setup and
// recognition) per second of audio analysed.
func (r *loadResult) rtf() float64 {
	return (r.setupCPU + r.recCPU).Seconds() / r.stats.Audio.Seconds()
}

// recognitionRTF is rtf without the recognizers' setup (NewRecognizer,
// once per call: the corpus's calls last about 10 s, real ones minutes).
func (r *loadResult) recognitionRTF() float64 { return r.recCPU.Seconds() / r.stats.Audio.Seconds() }

// processRTF is the whole process's CPU time per second of audio analysed
// (fast path, decode, gate, pacing, GC included).
func (r *loadResult) processRTF() float64 { return r.procCPU.Seconds() / r.stats.Audio.Seconds() }

// analysisRTF is the process's CPU time but the pacer's (the slow path:
// decode, gate, upsampling, engine, and the runtime's GC) per second of
// audio analysed: what one analysis worker spends.
func (r *loadResult) analysisRTF() float64 {
	return (r.procCPU - r.pacerCPU).Seconds() / r.stats.Audio.Seconds()
}

// lag is the analysis backlog of a sample as audio per stream.
func (r *loadResult) lag(s loadSample) time.Duration {
	return time.Duration(s.backlog) * packetTime / time.Duration(r.spec.streams)
}

// lagSlope is how fast the per-stream backlog grows over the second half
// of the run (the first holds the start-up), in seconds of audio per
// second: the least-squares slope of the lag samples. Analysis that keeps
// up has a slope near zero or below; at a load ρ times what the worker can
// analyse it is ρ-1.
func (r *loadResult) lagSlope() (slope float64, maxLag time.Duration) {
	var xs, ys []float64
	for _, s := range r.samples {
		maxLag = max(maxLag, r.lag(s))
		if 2*s.tick >= r.ticks {
			xs = append(xs, float64(s.tick)*packetTime.Seconds())
			ys = append(ys, r.lag(s).Seconds())
		}
	}
	if len(xs) < 2 {
		return 0, maxLag
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	return sxy / sxx, maxLag
}

// maxLagSlope is the backlog growth (seconds of audio per second, per
// stream) up to which analysis counts as keeping up: 3 % over capacity,
// measured over 10 s, is a 0.3 s growth, well above the backlog's noise.
const maxLagSlope = 0.03

// keptUp tells whether analysis kept up with the run: no frame skipped
// (no analysis queue ever full) and the backlog not growing.
func (r *loadResult) keptUp() (bool, string) {
	slope, maxLag := r.lagSlope()
	why := fmt.Sprintf("backlog max %.2f s per stream, growing %+.3f s/s", maxLag.Seconds(), slope)
	switch {
	case r.stats.FramesSkipped > 0:
		return false, fmt.Sprintf("%d frames skipped; %s", r.stats.FramesSkipped, why)
	case slope >= maxLagSlope:
		return false, why
	}
	return true, why
}

func (r *loadResult) String() string {
	ok, why := r.keptUp()
	return fmt.Sprintf("mode=%s streams=%d: %.0f s audio in %.0f s; CPU RTF engine %.3f (setup %.1f s; recognition alone %.3f), analysis %.3f, process %.3f; analysis got %.0f%% of a core; kept up %v (%s); pacer late ≤ %v; load %.1f, steal %.1f%%",
		r.spec.mode, r.spec.streams, r.stats.Audio.Seconds(), r.wall.Seconds(), r.rtf(), r.setupCPU.Seconds(), r.recognitionRTF(), r.analysisRTF(), r.processRTF(),
		100*(r.procCPU-r.pacerCPU).Seconds()/r.wall.Seconds(), ok, why, r.pacerLate.Round(time.Millisecond), r.loadAvg1, 100*r.steal)
}

// muteSink records the verdicts of the run's packets: packet id is call
// index << 16 | packet index.
type muteSink struct {
	calls    *[]*callRun
	verdicts int
}

func (m *muteSink) Verdict(id uint32, r enforce.Result, pkt []byte) error {
	m.verdicts++
	if r.Verdict == enforce.Mute {
		c := (*m.calls)[id>>16]
		if k := int(id & 0xffff); c.firstMute < 0 || k < c.firstMute {
			c.firstMute = k
		}
	}
	return nil
}

// cpuTicks reads the machine's CPU time from /proc/stat: all of it and the
// part stolen by the hypervisor, in clock ticks.
func cpuTicks() (total, steal uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	for i := 1; i < min(len(f), 9); i++ { // user … steal (guest time is in user time)
		v, _ := strconv.ParseUint(f[i], 10, 64)
		total += v
		if i == 8 {
			steal = v
		}
	}
	return total, steal
}

func loadAverage() (one, five float64) {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return -1, -1
	}
	return float64(si.Loads[0]) / 65536, float64(si.Loads[1]) / 65536
}

// runLoad runs the load generator once with a fresh analyzer (one worker)
// and lane.
func runLoad(tb testing.TB, eng *cpuEngine, spam, other []corpusCall, spec loadSpec) *loadResult {
	tb.Helper()
	cfg := bannedConfig(tb, spec.mode)
	p, err := newPolicy(cfg, eng, 1)
	if err != nil {
		tb.Fatal(err)
	}
	var pol atomic.Pointer[policy]
	pol.Store(p)

	res := &loadResult{spec: spec}
	var (
		mu    sync.Mutex
		byKey = map[rtpflow.Key]*callRun{}
		tick  atomic.Int64 // the pacer's current tick
	)
	emit := func(ev event) {
		if ev.Event != eventDetection {
			return
		}
		now := int(tick.Load())
		mu.Lock()
		defer mu.Unlock()
		c := byKey[ev.Key]
		if c == nil {
			return
		}
		if ev.Rule != c.call.item.Phrase {
			c.wrong = append(c.wrong, fmt.Sprintf("%q at %.2f s", ev.Rule, ev.EndS))
		}
		if c.detected {
			return
		}
		c.detected, c.rule, c.partial, c.startS = true, ev.Rule, ev.Partial, ev.StartS
		c.frameS = float64(ev.Time.Sub(tickTime(c.startTick))) / float64(time.Second)
		c.emittedS = float64(now-c.startTick) * packetTime.Seconds()
	}
	an := newAnalyzer(slog.New(slog.NewTextHandler(io.Discard, nil)), eng, &pol, emit, 0, 1, 4096, AnalysisBatch)
	sink := &muteSink{calls: &res.calls}
	l := newLane(0, rtpflow.Config{Ports: rtpflow.Ports{{Lo: 10000, Hi: 20000}}}, enforce.New(enforce.Config{}), an, sink)
	defer func() {
		l.flush()
		an.shutdown(time.Minute)
	}()

	type slot struct {
		playlist []*corpusCall
		next     int // next call of the playlist
		cur      *callRun
		begin    int // tick the slot starts
		done     bool
	}
	slots := make([]*slot, spec.streams)
	capacity := spec.spamCalls == 0
	for s := range slots {
		sl := &slot{}
		switch {
		case capacity:
			all := append(append([]*corpusCall(nil), ptrs(spam)...), ptrs(other)...)
			for i := range all {
				sl.playlist = append(sl.playlist, all[(s+i)%len(all)])
			}
			// calls do not all start in the same 20 ms: the slots begin
			// over the first quarter of the run
			sl.begin = int(spec.duration / 4 / packetTime * time.Duration(s) / time.Duration(spec.streams))
		case s < spec.spamSlots:
			for i := range spec.spamCalls {
				sl.playlist = append(sl.playlist, &spam[(spec.firstSpam+s*spec.spamCalls+i)%len(spam)])
			}
			sl.begin = int(time.Duration(s) * spec.stagger / packetTime)
		default:
			for i := range other {
				sl.playlist = append(sl.playlist, &other[(spec.firstSpam+s+i)%len(other)])
			}
			sl.begin = int(time.Duration(s) * spec.stagger / packetTime)
		}
		slots[s] = sl
	}
	nextPort := uint16(20000)
	startCall := func(s int, sl *slot, t int, offset int) {
		c := sl.playlist[sl.next%len(sl.playlist)]
		sl.next++
		nextPort++
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), nextPort)
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 2}), uint16(10000+2*s))
		k := rtpflow.Key{SrcPort: src.Port(), DstPort: dst.Port(), SSRC: 0x5000_0000 | uint32(len(res.calls))}
		k.Src, k.Dst = netip.AddrFrom4(src.Addr().As4()).As16(), netip.AddrFrom4(dst.Addr().As4()).As16()
		cr := &callRun{idx: uint32(len(res.calls)), call: c, key: k, startTick: t - offset, firstK: offset, lastK: -1, firstMute: -1, length: len(c.payloads)}
		if !capacity && c.item.Kind == corpus.Spam {
			cr.length = min(cr.length, int((time.Duration(c.item.PhraseEnd*float64(time.Second))+spamTail)/packetTime)+1)
		}
		mu.Lock()
		byKey[k] = cr
		res.calls = append(res.calls, cr)
		mu.Unlock()
		sl.cur = cr
	}
	send := func(cr *callRun, k int, t int) {
		payload := cr.call.payloads[k]
		if payload == nil {
			return // lost in the capture
		}
		src := netip.AddrPortFrom(netip.AddrFrom16(cr.key.Src).Unmap(), cr.key.SrcPort)
		dst := netip.AddrPortFrom(netip.AddrFrom16(cr.key.Dst).Unmap(), cr.key.DstPort)
		pkt := ipv4UDP(src, dst, rtp(cr.call.pt, uint16(k), uint32(8000+k*160), cr.key.SSRC, payload))
		l.handle(cr.idx<<16|uint32(k), pkt, tickTime(t))
		res.packets++
		cr.lastK = k
	}

	// The pacer (and so the fast path) keeps one thread, so that its CPU
	// time can be told from the analysis's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, pacer0 := processCPU(), threadCPU()
	total0, steal0 := cpuTicks()
	setup0, rec0 := eng.cpu()
	wall0 := time.Now()
	endTick := int(spec.duration / packetTime)
	for t := 0; ; t++ {
		if d := time.Until(wall0.Add(time.Duration(t) * packetTime)); d > 0 {
			time.Sleep(d)
		} else {
			res.pacerLate = max(res.pacerLate, -d)
		}
		tick.Store(int64(t))
		active, spamLeft := 0, false
		for s, sl := range slots {
			if sl.done || t < sl.begin {
				if !sl.done && s < spec.spamSlots {
					spamLeft = true
				}
				continue
			}
			if sl.cur != nil && t-sl.cur.startTick >= sl.cur.length {
				sl.cur = nil
				if !capacity && s < spec.spamSlots && sl.next >= len(sl.playlist) {
					sl.done = true
					continue
				}
			}
			if sl.cur == nil {
				offset := 0
				if capacity && sl.next == 0 {
					offset = len(sl.playlist[0].payloads) * s / spec.streams
				}
				startCall(s, sl, t, offset)
			}
			if s < spec.spamSlots {
				spamLeft = true
			}
			active++
			send(sl.cur, t-sl.cur.startTick, t)
		}
		if t%25 == 0 {
			st := an.stats()
			res.samples = append(res.samples, loadSample{tick: t, backlog: st.Backlog, skipped: st.FramesSkipped})
		}
		if (capacity && t+1 >= endTick) || (!capacity && !spamLeft) || active == 0 {
			res.ticks = t + 1
			break
		}
	}
	res.wall = time.Since(wall0)
	res.procCPU, res.pacerCPU = processCPU()-cpu0, threadCPU()-pacer0
	if total1, steal1 := cpuTicks(); total1 > total0 {
		res.steal = float64(steal1-steal0) / float64(total1-total0)
	}
	setup1, rec1 := eng.cpu()
	res.setupCPU, res.recCPU = setup1-setup0, rec1-rec0
	res.stats = an.stats()
	res.verdicts = sink.verdicts
	res.loadAvg1, res.loadAvg5 = loadAverage()
	if res.verdicts != res.packets {
		tb.Fatalf("%d verdicts for %d packets", res.verdicts, res.packets)
	}
	if !capacity {
		// let the analysis finish what was sent (the last phrase's
		// detection may still be queued), as a live stream would go on
		deadline := time.Now().Add(2 * time.Minute)
		for an.backlog.Load() > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return res
}

// tickTime is the packet time of the pacer's tick t.
func tickTime(t int) time.Time { return time.Unix(1_700_000_000, 0).Add(time.Duration(t) * packetTime) }

func ptrs(cs []corpusCall) []*corpusCall {
	out := make([]*corpusCall, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}
