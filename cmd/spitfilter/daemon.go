package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/cmd/internal/speech"
	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/spotter"
	"github.com/spitfilter/spitfilter/spotter/remote"
)

// DefaultReadBuffer is the netlink receive buffer each queue asks for.
const DefaultReadBuffer = 8 << 20

// daemonOptions are the daemon's settings that are not in the config file.
// The zero value means the documented defaults.
type daemonOptions struct {
	// ConfigPath is the config file, for reloads and for finding models
	// next to it.
	ConfigPath string
	// Log receives the daemon's log; default: discarded.
	Log *slog.Logger
	// Engine is an engine already open (tests share one); nil: opened
	// from the config, and closed by Close.
	Engine spotter.Engine
	// Emit receives events; default: discarded.
	Emit func(event)
	// NetNS is a network namespace file descriptor the queue sockets are
	// opened in; 0: the daemon's own.
	NetNS int
	// Workers is the size of the analysis pool; default the number of CPUs.
	Workers int
	// AnalysisDepth is how many frames a stream may have waiting for
	// analysis; default DefaultAnalysisDepth.
	AnalysisDepth int
	// ReadBuffer is the netlink receive buffer asked for per queue, in
	// bytes; default DefaultReadBuffer.
	ReadBuffer int
	// Clock gives the time of packets the kernel queues without a
	// timestamp (on INPUT, the kernel stamps packets only while some
	// socket asks for timestamps); default time.Now.
	Clock func() time.Time
	// Env reads the environment (model locations); default none.
	Env func(string) string
	// AnalysisPriority is how the analysis threads share the CPU; default
	// AnalysisIdle.
	AnalysisPriority AnalysisPriority
	// SpareRecognizers is how many recognizers of ended streams are kept
	// for new ones (recPool); 0: one per worker; negative: none.
	SpareRecognizers int
	// RecognizerArgv, when Engine is nil, is the command line of the
	// recognizer process the engine is opened in (recognizerArgv); nil:
	// the engine is opened in this process.
	RecognizerArgv []string
	// RecognizerStderr receives the recognizer process's standard error.
	RecognizerStderr io.Writer
}

// policy is what a config file decides about listening and enforcing. It
// is swapped whole by a reload; each listener keeps the generation it was
// made with.
type policy struct {
	gen     uint64
	cfg     *config.Config
	matcher *spotter.Matcher // nil: no rules, nothing is listened for
	listen  spotter.ListenerConfig
}

// newPolicy builds the matcher for cfg and checks its words against the
// engine's vocabulary. The listener config is spitcheck's: the config's
// mode, transcript off unless asked.
func newPolicy(cfg *config.Config, e spotter.Engine, gen uint64) (*policy, error) {
	p := &policy{gen: gen, cfg: cfg}
	p.listen = speech.ListenerConfig(cfg)
	rules := speech.Rules(cfg)
	if len(rules) == 0 {
		return p, nil
	}
	m, err := spotter.NewMatcher(rules)
	if err != nil {
		return nil, err
	}
	if err := speech.CheckVocabulary(e, m.Phrases()); err != nil {
		return nil, err
	}
	p.matcher = m
	return p, nil
}

// daemon is spitfilter run: the queue readers (one lane each), the shared
// enforcer, and the analyzer.
type daemon struct {
	o       daemonOptions
	log     *slog.Logger
	engine  spotter.Engine
	ownsEng bool
	recs    *recPool       // the analysis's recognizers, made with engine
	remote  *remote.Engine // engine, when the recognizers run in a process of their own
	pol     atomic.Pointer[policy]
	enf     *enforce.Enforcer
	an      *analyzer
	lanesMu sync.Mutex
	lanes   []*lane
	start   *config.Config // the config the queues and tables were set up with
	warm    chan struct{}  // closed when Run's first warmUp has ended
	rewarm  chan struct{}  // a reload put new rules in force: the warmer makes their recognizers

	reloadMu  sync.Mutex
	reloads   atomic.Uint64
	reloadErr atomic.Uint64

	closeOnce sync.Once
}

// newDaemon sets the daemon up from a loaded config: the speech engine is
// opened (unless given), the matcher built, the analysis pool started. The
// queues are opened by Run.
func newDaemon(cfg *config.Config, o daemonOptions) (*daemon, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Env == nil {
		o.Env = func(string) string { return "" }
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.ReadBuffer <= 0 {
		o.ReadBuffer = DefaultReadBuffer
	}
	d := &daemon{o: o, log: o.Log, engine: o.Engine, start: cfg, enf: enforce.New(enforce.Config{}),
		warm: make(chan struct{}), rewarm: make(chan struct{}, 1)}
	if d.engine == nil && o.RecognizerArgv != nil {
		eng, err := remote.Start(remote.Options{Argv: o.RecognizerArgv, Stderr: o.RecognizerStderr,
			Spawn: spawnAt(o.AnalysisPriority), Log: d.log})
		if err != nil {
			return nil, err
		}
		info := eng.Info()
		d.log.Info("speech engine", "engine", info.Name, "model", info.Model, "why", info.Why, "recognizers", "process")
		d.engine, d.ownsEng, d.remote = eng, true, eng
	}
	if d.engine == nil {
		mo := speech.ModelOptions(o.Env)
		mo.Config, mo.ConfigFile = cfg.Model, o.ConfigPath
		eng, err := speech.Open(speech.Settings{Engine: string(cfg.Engine), Models: mo})
		if err != nil {
			return nil, err
		}
		d.log.Info("speech engine", "engine", eng.Name(), "model", eng.Model, "why", eng.Why)
		d.engine, d.ownsEng = eng, true
	}
	p, err := newPolicy(cfg, d.engine, 1)
	if err != nil {
		d.closeEngine()
		return nil, err
	}
	d.pol.Store(p)
	tcfg := d.tableConfig()
	maxJobs := cfg.Queue.Len()*(rtpflow.NewTable(tcfg, nil).Config().MaxStreams+1) + 1024
	spare := o.SpareRecognizers
	switch {
	case spare == 0:
		spare = o.Workers
	case spare < 0:
		spare = 0
	}
	d.recs = newRecPool(d.engine, spare)
	d.an = newAnalyzer(d.log, d.recs, &d.pol, o.Emit, o.AnalysisDepth, o.Workers, maxJobs, o.AnalysisPriority)
	return d, nil
}

func (d *daemon) tableConfig() rtpflow.Config {
	return rtpflow.Config{Ports: d.start.RTPPorts}
}

// reload reads the config file again and puts its rules, actions, hold and
// mark in force. Streams and their decisions in force are kept; each
// stream's listener is remade with the new rules at its next frame. A config
// that does not load or whose words the engine lacks changes nothing: the
// error says why. Settings that need a restart (engine, model, queues,
// ports) are logged and left as they were.
func (d *daemon) reload() error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	cfg, err := config.Load(d.o.ConfigPath)
	if err == nil {
		var p *policy
		p, err = newPolicy(cfg, d.engine, d.pol.Load().gen+1)
		if err == nil {
			for _, c := range restartOnly(d.start, cfg) {
				d.log.Warn("reload: setting changed; it takes effect at restart", "setting", c)
			}
			d.pol.Store(p)
			d.reloads.Add(1)
			select { // the warmer makes the new rules' recognizers
			case d.rewarm <- struct{}{}:
			default: // one is pending already
			}
			n := 0
			if p.matcher != nil {
				n = len(cfg.Rules())
			}
			d.log.Info("reloaded", "config", d.o.ConfigPath, "rules", n, "action", cfg.Action.String(), "hold", cfg.Hold)
			return nil
		}
	}
	d.reloadErr.Add(1)
	err = fmt.Errorf("reload %s: kept the running config: %w", d.o.ConfigPath, err)
	d.log.Error("reload failed", "err", err)
	return err
}

// restartOnly lists the settings that differ between a and b and are only
// read at start.
func restartOnly(a, b *config.Config) []string {
	var out []string
	if a.Engine != b.Engine {
		out = append(out, "engine")
	}
	if a.Model != b.Model {
		out = append(out, "model")
	}
	if a.Queue != b.Queue {
		out = append(out, "queue")
	}
	if a.QueueLength != b.QueueLength {
		out = append(out, "queue_length")
	}
	if a.FailOpen != b.FailOpen {
		out = append(out, "fail_open")
	}
	if a.RTPPorts.String() != b.RTPPorts.String() {
		out = append(out, "rtp_ports")
	}
	if a.Metrics != b.Metrics {
		out = append(out, "metrics")
	}
	if a.Events != b.Events {
		out = append(out, "events")
	}
	return out
}

// queueReader is an open queue: closing it stops its reader and waits.
type queueReader interface {
	io.Closer
	// Granted is the receive buffer the kernel granted, in bytes.
	Granted() int
}

// Run opens one queue per number of the configured range, each with its own
// lane, and judges packets until ctx is done or a reader fails. Then the
// queues are closed (with fail-open and --queue-bypass, traffic passes
// unjudged from then on), every stream is ended and the analysis stopped.
func (d *daemon) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	reserveProcessors(d.start.Queue.Len(), d.o.Workers)
	var readers []queueReader
	closeAll := func() {
		for _, r := range readers {
			r.Close()
		}
	}
	for q := int(d.start.Queue.First); q <= int(d.start.Queue.Last); q++ {
		r, l, err := openQueue(ctx, uint16(q), d, func(err error) { cancel(err) })
		if err != nil {
			closeAll()
			d.stopLanes()
			return fmt.Errorf("queue %d: %w", q, err)
		}
		readers = append(readers, r)
		d.lanesMu.Lock()
		d.lanes = append(d.lanes, l)
		d.lanesMu.Unlock()
		d.log.Info("queue open", "queue", q, "queue_length", d.start.QueueLength, "fail_open", d.start.FailOpen,
			"rcvbuf_asked", d.o.ReadBuffer, "rcvbuf_granted", r.Granted())
	}
	d.log.Info("ready", "queues", d.start.Queue.String(), "rtp_ports", d.start.RTPPorts.String(), "workers", d.o.Workers,
		"analysis_priority", d.o.AnalysisPriority.String())
	warmerDone := make(chan struct{})
	go func() {
		defer close(warmerDone)
		d.warmer(ctx, cancel)
	}()
	<-ctx.Done()
	closeAll()
	select {
	case <-warmerDone:
	case <-time.After(warmerWait):
		// At idle priority on a busy host a recognizer can take long to
		// make; it is closed when the warmer hands it to the closed pool.
		d.log.Warn("stopping while a spare recognizer is still being made: not waiting for it", "waited", warmerWait)
	}
	d.stopLanes()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// warmerWait is how long a stopping daemon waits for the warmer to finish
// the recognizer it is making (the analysis workers get as long).
var warmerWait = 5 * time.Second

// warmer makes the spare recognizers (--spare-recognizers) for the rules
// in force: once the queues are open, and again after each reload, until
// ctx is done. The first calls after a start or a reload are then heard from
// their first word, instead of after a recognizer is made for each
// (0.3–0.4 s of CPU for PocketSphinx's full recognition). The queues do not
// wait for it: until they are bound, the kernel drops the RTP (or, with
// --queue-bypass, lets it through unjudged), and on a loaded host the
// recognizers took seconds. A call that comes first makes its own.
//
// An engine that cannot make a recognizer at start stops the daemon
// (stop), with an error that says so, instead of failing every call; after
// a reload, the error is logged. The warmer runs at the analysis priority,
// and d.warm is closed once the start's recognizers are made.
func (d *daemon) warmer(ctx context.Context, stop context.CancelCauseFunc) {
	if err := lowerPriority(d.o.AnalysisPriority); err != nil { // the thread ends with the daemon
		d.log.Warn("analysis thread keeps its priority", "err", err)
	}
	err := d.warmUp(ctx)
	close(d.warm)
	if err != nil {
		stop(err)
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.rewarm:
			if err := d.warmUp(ctx); err != nil {
				d.log.Error("recognizers for the new rules", "err", err)
			}
		}
	}
}

// warmUp makes recognizers for the rules in force until the pool keeps
// --spare-recognizers of them, one at a time (an engine makes one at a
// time anyway). It stops early when ctx is done or the rules change (the
// warmer is then called again for the new ones).
func (d *daemon) warmUp(ctx context.Context) error {
	start := time.Now()
	pol := d.pol.Load()
	var held []*spotter.Listener
	spare := 0
	giveBack := func() {
		for _, l := range held {
			l.Close() // its recognizer goes to the pool
		}
	}
	if pol.matcher != nil {
		v, err := spotter.ListenerVocabulary(pol.matcher, pol.listen)
		if err != nil {
			return fmt.Errorf("making the analysis's recognizers: %w", err)
		}
		for {
			if n, max := d.recs.spare(v); len(held)+n >= max {
				break
			}
			if ctx.Err() != nil || d.pol.Load() != pol {
				giveBack()
				d.log.Info("recognizers: stopped making them", "made", len(held), "why", "the rules changed or the daemon stops")
				return nil
			}
			l, err := spotter.NewListener(d.recs, pol.matcher, pol.listen)
			if err != nil {
				giveBack()
				return fmt.Errorf("making the analysis's recognizers: %w", err)
			}
			held = append(held, l)
		}
		giveBack()
		spare, _ = d.recs.spare(v)
	}
	// logged also when there are none: a start-up script may wait for it
	d.log.Info("recognizers ready", "spare", spare, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// reserveProcessors raises GOMAXPROCS so that a queue reader coming back
// from the kernel with packets always finds a free processor (a P, in the
// runtime's terms). Readers wait in the kernel, and the analysis workers
// spend most of their time in PocketSphinx (cgo); the runtime counts both
// as busy processors, and with GOMAXPROCS at the number of CPUs a woken
// reader had to wait for the runtime to take one back (up to milliseconds
// under load) before it could answer its packets. Processors are not
// threads: the OS still shares the CPUs, so the extra ones cost nothing
// while idle.
func reserveProcessors(queues, workers int) {
	if want := runtime.NumCPU() + queues + workers; runtime.GOMAXPROCS(0) < want {
		runtime.GOMAXPROCS(want)
	}
}

// stopLanes ends every stream of every lane (their readers have stopped)
// and stops the analysis.
func (d *daemon) stopLanes() {
	d.lanesMu.Lock()
	defer d.lanesMu.Unlock()
	for _, l := range d.lanes {
		l.flush()
	}
	d.an.shutdown(5 * time.Second)
}

// Close releases the engine when the daemon opened it. Call it after Run
// returned; it is idempotent.
func (d *daemon) Close() error {
	var err error
	d.closeOnce.Do(func() {
		d.an.shutdown(5 * time.Second)
		d.recs.Close()
		err = d.closeEngine()
	})
	return err
}

func (d *daemon) closeEngine() error {
	if d.ownsEng {
		return d.engine.Close()
	}
	return nil
}

// daemonStats is the snapshot the metrics exporter reads.
type daemonStats struct {
	Queues        []laneStats
	Enforce       enforce.Stats
	Analysis      analysisStats
	Reloads       uint64
	ReloadErrors  uint64
	PolicyVersion uint64
	// RecognizersMade and RecognizersReused count the recognizers made
	// for streams and those given from the kept ones.
	RecognizersMade, RecognizersReused uint64
	// Process is the recognizer process's life (zero when the
	// recognizers run in the daemon's process).
	Process remote.Stats
}

// stats returns the daemon's counts. It is safe to call at any time after
// Run has opened the queues.
func (d *daemon) stats() daemonStats {
	s := daemonStats{Enforce: d.enf.Stats(), Analysis: d.an.stats(),
		Reloads: d.reloads.Load(), ReloadErrors: d.reloadErr.Load(), PolicyVersion: d.pol.Load().gen}
	s.RecognizersMade, s.RecognizersReused = d.recs.counts()
	if d.remote != nil {
		s.Process = d.remote.Stats()
	}
	d.lanesMu.Lock()
	for _, l := range d.lanes {
		s.Queues = append(s.Queues, l.stats())
	}
	d.lanesMu.Unlock()
	return s
}
