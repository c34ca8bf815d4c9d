package obs

import (
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestEmitNoAllocs: handing an event to the Writer costs the caller no
// allocation (marshalling happens on the Writer's goroutine). AllocsPerRun
// counts the whole process's allocations, so the Writer's goroutine is
// held in its sink's Write while Emit is measured: a loaded machine once
// let it marshal events during the measurement.
func TestEmitNoAllocs(t *testing.T) {
	sink := &heldSink{in: make(chan struct{}), release: make(chan struct{})}
	w := NewWriter(sink, WriterConfig{Buffer: 1 << 16})
	defer w.Close()
	defer close(sink.release)
	e := sampleEvents()[1]
	w.Emit(e)
	<-sink.in // the goroutine waits in Write from now on
	if n := testing.AllocsPerRun(1000, func() { w.Emit(e) }); n != 0 {
		t.Errorf("Emit allocates %v times per call, want 0", n)
	}
}

// heldSink's first Write says so on in, then waits for release.
type heldSink struct {
	in, release chan struct{}
	once        bool
}

func (s *heldSink) Write(p []byte) (int, error) {
	if !s.once {
		s.once = true
		close(s.in)
	}
	<-s.release
	return len(p), nil
}

// nativeRegistry exports what sampleStats holds through client_golang's
// own counters and gauges: the peer a scrape of the Collector is held to.
func nativeRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	s := sampleStats()
	c := func(name string) prometheus.Counter {
		m := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: name})
		reg.MustRegister(m)
		return m
	}
	g := func(name string) prometheus.Gauge {
		m := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: name})
		reg.MustRegister(m)
		return m
	}
	cv := func(name, label string) *prometheus.CounterVec {
		m := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: name}, []string{label})
		reg.MustRegister(m)
		return m
	}
	c("packets_total").Add(float64(s.Packets))
	v := cv("verdicts_total", "verdict")
	for _, k := range []string{"accept", "mute", "bleep", "drop", "mark"} {
		v.WithLabelValues(k).Add(1)
	}
	c("malformed_total").Add(float64(s.Malformed))
	c("not_rtp_total").Add(float64(s.NotRTP))
	g("streams_live").Set(float64(s.LiveStreams))
	c("streams_evicted_total").Add(float64(s.StreamsEvicted))
	d := cv("detections_total", "rule")
	for r, n := range s.Detections {
		d.WithLabelValues(r).Add(float64(n))
	}
	g("backlog").Set(float64(s.Backlog))
	sk := cv("skipped_total", "reason")
	sk.WithLabelValues("queue_full").Add(float64(s.AnalysisSkipped))
	sk.WithLabelValues("over_real_time").Add(float64(s.AnalysisOverRealTime))
	c("audio_total").Add(s.AudioSeconds)
	c("cpu_total").Add(s.CPUSeconds)
	g("rtf").Set(s.CPUSeconds / s.AudioSeconds)
	r := cv("reloads_total", "result")
	r.WithLabelValues("ok").Add(float64(s.ReloadsOK))
	r.WithLabelValues("failed").Add(float64(s.ReloadsFailed))
	return reg
}

// BenchmarkScrape gathers the Collector (snapshot read at scrape time) and,
// interleaved in the same loop, the same metrics kept in client_golang's
// own metrics; it reports each one's time per scrape and their ratio.
func BenchmarkScrape(b *testing.B) {
	col, err := NewCollector(CollectorConfig{Source: SourceFunc(sampleStats)})
	if err != nil {
		b.Fatal(err)
	}
	ours := prometheus.NewRegistry()
	ours.MustRegister(col)
	native := nativeRegistry()
	var dOurs, dNative time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if _, err := ours.Gather(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := native.Gather(); err != nil {
			b.Fatal(err)
		}
		dOurs += t1.Sub(t0)
		dNative += time.Since(t1)
	}
	b.ReportMetric(float64(dOurs.Nanoseconds())/float64(b.N), "collector-ns/scrape")
	b.ReportMetric(float64(dNative.Nanoseconds())/float64(b.N), "native-ns/scrape")
	b.ReportMetric(float64(dOurs)/float64(dNative), "collector/native")
}

// BenchmarkEmit is the caller's cost of Emit and, interleaved in the same
// loop, the cost of marshalling and writing the event on the caller's
// goroutine, which Emit spares it; it reports both and their ratio. The
// Writer's goroutine cannot keep up with a tight loop, so most Emits take
// the drop path (reported as dropped/op).
func BenchmarkEmit(b *testing.B) {
	e := sampleEvents()[1]
	w := NewWriter(io.Discard, WriterConfig{Buffer: 1 << 16})
	var dEmit, dDirect time.Duration
	for b.Loop() {
		t0 := time.Now()
		w.Emit(e)
		t1 := time.Now()
		line, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Discard.Write(append(line, '\n'))
		dEmit += t1.Sub(t0)
		dDirect += time.Since(t1)
	}
	w.Close()
	b.ReportMetric(float64(dEmit.Nanoseconds())/float64(b.N), "emit-ns/op")
	b.ReportMetric(float64(dDirect.Nanoseconds())/float64(b.N), "direct-ns/op")
	b.ReportMetric(float64(dEmit)/float64(dDirect), "emit/direct")
	b.ReportMetric(float64(w.Stats().Dropped)/float64(b.N), "dropped/op")
}
