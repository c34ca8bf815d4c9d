package obs

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// CollectorConfig says what a Collector reads.
type CollectorConfig struct {
	// Source is the daemon's counters. Required.
	Source Source
	// Queues are the NFQUEUE numbers whose kernel counters are exported
	// (the config's queue range). None: no kernel counters.
	Queues []uint16
	// ProcPath is the file the kernel counters are read from. Default
	// DefaultProcPath; tests point it elsewhere.
	ProcPath string
	// Log gets the error when ProcPath cannot be read or parsed (once
	// per failing scrape); nil discards it. A missing file is no error:
	// the kernel module is not loaded, so no queue has a reader.
	Log *slog.Logger
}

// Collector is a prometheus.Collector that reads a Source and the kernel's
// NFQUEUE counters at each scrape. Register it with the daemon's registry:
//
//	reg := prometheus.NewRegistry()
//	c, err := obs.NewCollector(obs.CollectorConfig{Source: d, Queues: qs})
//	reg.MustRegister(c)
//
// It is safe for concurrent scrapes.
type Collector struct {
	src    Source
	queues []string // queue numbers as label values, sorted
	nums   []uint16
	path   string
	log    *slog.Logger
	d      descs

	readErrors atomic.Uint64
}

// descs are the descriptors of everything the Collector exports.
type descs struct {
	packets, verdicts, malformed, notRTP           *prometheus.Desc
	live, evicted, detections                      *prometheus.Desc
	backlog, skipped, audio, cpu, rtf, reloads     *prometheus.Desc
	recognizers, procStarts, procUp                *prometheus.Desc
	qBound, qWaiting, qDropped, qUserDropped, qSeq *prometheus.Desc
	qReadErrors                                    *prometheus.Desc
}

func newDescs() descs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("spitfilter_"+name, help, labels, nil)
	}
	return descs{
		packets:      d("packets_total", "Packets the queues handed to the daemon."),
		verdicts:     d("verdicts_total", "Packets by verdict.", "verdict"),
		malformed:    d("packets_malformed_total", "Packets whose IP, UDP or RTP headers did not parse (accepted unchanged)."),
		notRTP:       d("packets_not_rtp_total", "Well-formed packets that were not RTP (accepted unchanged)."),
		live:         d("streams_live", "Streams in the stream tables now."),
		evicted:      d("streams_evicted_total", "Streams pushed out of a full stream table."),
		detections:   d("detections_total", "Detections by rule name.", "rule"),
		backlog:      d("analysis_backlog_frames", "Audio frames waiting for analysis now."),
		skipped:      d("analysis_skipped_frames_total", "Audio frames not analysed, by reason: queue_full (the stream's analysis queue was full: analysis is behind) or over_real_time (the stream sent audio faster than real time).", "reason"),
		audio:        d("recognizer_audio_seconds_total", "Audio fed to the recognizers, in seconds."),
		cpu:          d("recognizer_cpu_seconds_total", "CPU time the recognizers took, in seconds."),
		rtf:          d("recognizer_real_time_factor", "Recognizer CPU seconds per audio second since start (rate(cpu)/rate(audio) for a window)."),
		reloads:      d("reloads_total", "Configuration reloads by result.", "result"),
		recognizers:  d("recognizers_total", "Recognizers given to streams, by how: made (the engine made one) or reused (one kept from an ended stream).", "how"),
		procStarts:   d("recognizer_process_starts_total", "Starts of the recognizer process: the first, and one after each end (a crash, a kill); more than 1 means the streams then being analysed lost their recognizers."),
		procUp:       d("recognizer_process_up", "1 while the recognizer process runs, else 0 (it is started again at the next recognizer asked for)."),
		qBound:       d("nfqueue_bound", "1 when a reader is bound to the queue in the kernel, else 0.", "queue"),
		qWaiting:     d("nfqueue_waiting", "Packets waiting in the kernel queue for a verdict.", "queue"),
		qDropped:     d("nfqueue_dropped_total", "Packets the kernel did not queue because the queue was full (accepted unseen when fail-open); 32-bit, wraps.", "queue"),
		qUserDropped: d("nfqueue_user_dropped_total", "Packets the kernel failed to send to the reader (socket buffer full); 32-bit, wraps.", "queue"),
		qSeq:         d("nfqueue_id_sequence", "Id of the last packet queued: packets queued since the reader bound, modulo 2^32.", "queue"),
		qReadErrors:  d("nfqueue_read_errors_total", "Scrapes at which the kernel's nfnetlink_queue file could not be read or parsed."),
	}
}

// NewCollector checks cfg and returns its Collector. A missing Source is an
// error wrapping ErrConfig.
func NewCollector(cfg CollectorConfig) (*Collector, error) {
	if cfg.Source == nil {
		return nil, fmt.Errorf("%w: collector needs a Source", ErrConfig)
	}
	c := &Collector{src: cfg.Source, path: cfg.ProcPath, log: cfg.Log, d: newDescs()}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.path == "" {
		c.path = DefaultProcPath
	}
	c.nums = slices.Clone(cfg.Queues)
	slices.Sort(c.nums)
	c.nums = slices.Compact(c.nums)
	for _, q := range c.nums {
		c.queues = append(c.queues, strconv.Itoa(int(q)))
	}
	return c, nil
}

// Describe sends the descriptors of every metric the Collector exports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.all() {
		ch <- d
	}
}

func (c *Collector) all() []*prometheus.Desc {
	d := &c.d
	all := []*prometheus.Desc{d.packets, d.verdicts, d.malformed, d.notRTP, d.live, d.evicted,
		d.detections, d.backlog, d.skipped, d.audio, d.cpu, d.rtf, d.reloads, d.recognizers, d.procStarts, d.procUp}
	if len(c.nums) > 0 {
		all = append(all, d.qBound, d.qWaiting, d.qDropped, d.qUserDropped, d.qSeq, d.qReadErrors)
	}
	return all
}

// Collect reads the Source and the kernel counters and sends the metrics.
// When the kernel file cannot be read or parsed, the queues are reported
// unbound, and the error is logged and counted in
// spitfilter_nfqueue_read_errors_total.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	d := &c.d
	counter := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, labels...)
	}
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	counter(d.packets, float64(s.Packets))
	for _, v := range []struct {
		name string
		n    uint64
	}{{"accept", s.Verdicts.Accept}, {"mute", s.Verdicts.Mute}, {"bleep", s.Verdicts.Bleep}, {"drop", s.Verdicts.Drop}, {"mark", s.Verdicts.Mark}} {
		counter(d.verdicts, float64(v.n), v.name)
	}
	counter(d.malformed, float64(s.Malformed))
	counter(d.notRTP, float64(s.NotRTP))
	gauge(d.live, float64(s.LiveStreams))
	counter(d.evicted, float64(s.StreamsEvicted))
	for rule, n := range s.Detections {
		counter(d.detections, float64(n), rule)
	}
	gauge(d.backlog, float64(s.Backlog))
	counter(d.skipped, float64(s.AnalysisSkipped), "queue_full")
	counter(d.skipped, float64(s.AnalysisOverRealTime), "over_real_time")
	counter(d.recognizers, float64(s.RecognizersMade), "made")
	counter(d.recognizers, float64(s.RecognizersReused), "reused")
	if s.RecognizerProcess {
		counter(d.procStarts, float64(s.RecognizerProcessStarts))
		up := 0.0
		if s.RecognizerProcessUp {
			up = 1
		}
		gauge(d.procUp, up)
	}
	counter(d.audio, s.AudioSeconds)
	counter(d.cpu, s.CPUSeconds)
	rtf := 0.0
	if s.AudioSeconds > 0 {
		rtf = s.CPUSeconds / s.AudioSeconds
	}
	gauge(d.rtf, rtf)
	counter(d.reloads, float64(s.ReloadsOK), "ok")
	counter(d.reloads, float64(s.ReloadsFailed), "failed")
	if len(c.nums) > 0 {
		c.collectQueues(ch)
	}
}

func (c *Collector) collectQueues(ch chan<- prometheus.Metric) {
	d := &c.d
	var qs []QueueStats
	b, err := os.ReadFile(c.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = nil
	case err == nil:
		qs, err = ParseQueues(nil, b)
		if err != nil {
			err = fmt.Errorf("%s: %w", c.path, err)
		}
	}
	if err != nil {
		c.readErrors.Add(1)
		c.log.Warn("nfqueue counters unreadable", "err", err)
		qs = nil
	}
	ch <- prometheus.MustNewConstMetric(d.qReadErrors, prometheus.CounterValue, float64(c.readErrors.Load()))
	for i, q := range c.nums {
		label := c.queues[i]
		j := slices.IndexFunc(qs, func(s QueueStats) bool { return s.Queue == q })
		if j < 0 {
			ch <- prometheus.MustNewConstMetric(d.qBound, prometheus.GaugeValue, 0, label)
			continue
		}
		s := qs[j]
		ch <- prometheus.MustNewConstMetric(d.qBound, prometheus.GaugeValue, 1, label)
		ch <- prometheus.MustNewConstMetric(d.qWaiting, prometheus.GaugeValue, float64(s.Waiting), label)
		ch <- prometheus.MustNewConstMetric(d.qDropped, prometheus.CounterValue, float64(s.QueueDropped), label)
		ch <- prometheus.MustNewConstMetric(d.qUserDropped, prometheus.CounterValue, float64(s.UserDropped), label)
		ch <- prometheus.MustNewConstMetric(d.qSeq, prometheus.CounterValue, float64(s.IDSequence), label)
	}
}
