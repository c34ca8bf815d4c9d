package obs

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// sampleStats has a different value in every field, so that a field
// exported under the wrong name shows.
func sampleStats() Stats {
	return Stats{
		Packets:              1000,
		Verdicts:             Verdicts{Accept: 900, Mute: 50, Bleep: 20, Drop: 20, Mark: 10},
		Malformed:            3,
		NotRTP:               7,
		LiveStreams:          4,
		StreamsEvicted:       2,
		Detections:           map[string]uint64{"free cruise": 5, `press (one|1) "now"`: 1},
		Backlog:              12,
		AnalysisSkipped:      9,
		AnalysisOverRealTime: 4,
		RecognizersMade:      3,
		RecognizersReused:    8,
		AudioSeconds:         80,
		CPUSeconds:           20,
		ReloadsOK:            6,
		ReloadsFailed:        1,
	}
}

// TestCollectorRecognizerProcess: the recognizer process's metrics come
// only when there is one.
func TestCollectorRecognizerProcess(t *testing.T) {
	for _, tc := range []struct {
		s    Stats
		want string
	}{
		{Stats{}, ""},
		{Stats{RecognizerProcess: true, RecognizerProcessStarts: 2, RecognizerProcessUp: true}, "starts_total 2 up 1"},
		{Stats{RecognizerProcess: true, RecognizerProcessStarts: 3}, "starts_total 3 up 0"},
	} {
		c, err := NewCollector(CollectorConfig{Source: SourceFunc(func() Stats { return tc.s })})
		if err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(c)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, mf := range mfs {
			if name, ok := strings.CutPrefix(mf.GetName(), "spitfilter_recognizer_process_"); ok {
				m := mf.GetMetric()[0]
				v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
				got = append(got, fmt.Sprintf("%s %g", name, v))
			}
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, g, tc.want)
		}
	}
}

const wantDaemonMetrics = `
# HELP spitfilter_analysis_backlog_frames Audio frames waiting for analysis now.
# TYPE spitfilter_analysis_backlog_frames gauge
spitfilter_analysis_backlog_frames 12
# HELP spitfilter_analysis_skipped_frames_total Audio frames not analysed, by reason: queue_full (the stream's analysis queue was full: analysis is behind) or over_real_time (the stream sent audio faster than real time).
# TYPE spitfilter_analysis_skipped_frames_total counter
spitfilter_analysis_skipped_frames_total{reason="over_real_time"} 4
spitfilter_analysis_skipped_frames_total{reason="queue_full"} 9
# HELP spitfilter_detections_total Detections by rule name.
# TYPE spitfilter_detections_total counter
spitfilter_detections_total{rule="free cruise"} 5
spitfilter_detections_total{rule="press (one|1) \"now\""} 1
# HELP spitfilter_packets_malformed_total Packets whose IP, UDP or RTP headers did not parse (accepted unchanged).
# TYPE spitfilter_packets_malformed_total counter
spitfilter_packets_malformed_total 3
# HELP spitfilter_packets_not_rtp_total Well-formed packets that were not RTP (accepted unchanged).
# TYPE spitfilter_packets_not_rtp_total counter
spitfilter_packets_not_rtp_total 7
# HELP spitfilter_packets_total Packets the queues handed to the daemon.
# TYPE spitfilter_packets_total counter
spitfilter_packets_total 1000
# HELP spitfilter_recognizer_audio_seconds_total Audio fed to the recognizers, in seconds.
# TYPE spitfilter_recognizer_audio_seconds_total counter
spitfilter_recognizer_audio_seconds_total 80
# HELP spitfilter_recognizer_cpu_seconds_total CPU time the recognizers took, in seconds.
# TYPE spitfilter_recognizer_cpu_seconds_total counter
spitfilter_recognizer_cpu_seconds_total 20
# HELP spitfilter_recognizer_real_time_factor Recognizer CPU seconds per audio second since start (rate(cpu)/rate(audio) for a window).
# TYPE spitfilter_recognizer_real_time_factor gauge
spitfilter_recognizer_real_time_factor 0.25
# HELP spitfilter_recognizers_total Recognizers given to streams, by how: made (the engine made one) or reused (one kept from an ended stream).
# TYPE spitfilter_recognizers_total counter
spitfilter_recognizers_total{how="made"} 3
spitfilter_recognizers_total{how="reused"} 8
# HELP spitfilter_reloads_total Configuration reloads by result.
# TYPE spitfilter_reloads_total counter
spitfilter_reloads_total{result="failed"} 1
spitfilter_reloads_total{result="ok"} 6
# HELP spitfilter_streams_evicted_total Streams pushed out of a full stream table.
# TYPE spitfilter_streams_evicted_total counter
spitfilter_streams_evicted_total 2
# HELP spitfilter_streams_live Streams in the stream tables now.
# TYPE spitfilter_streams_live gauge
spitfilter_streams_live 4
# HELP spitfilter_verdicts_total Packets by verdict.
# TYPE spitfilter_verdicts_total counter
spitfilter_verdicts_total{verdict="accept"} 900
spitfilter_verdicts_total{verdict="bleep"} 20
spitfilter_verdicts_total{verdict="drop"} 20
spitfilter_verdicts_total{verdict="mark"} 10
spitfilter_verdicts_total{verdict="mute"} 50
`

func TestCollectorDaemonStats(t *testing.T) {
	c, err := NewCollector(CollectorConfig{Source: SourceFunc(sampleStats)})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(wantDaemonMetrics)); err != nil {
		t.Error(err)
	}
}

func TestCollectorNoAudioNoRTF(t *testing.T) {
	c, err := NewCollector(CollectorConfig{Source: SourceFunc(func() Stats { return Stats{} })})
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(prometheus.CollectorFunc(func(ch chan<- prometheus.Metric) {
		all := make(chan prometheus.Metric, 64)
		c.Collect(all)
		close(all)
		for m := range all {
			if strings.Contains(m.Desc().String(), "real_time_factor") {
				ch <- m
			}
		}
	})); got != 0 {
		t.Errorf("real-time factor with no audio = %v, want 0", got)
	}
}

func TestCollectorQueues(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := file("good", "    0   2893     3 2 65531    17     2   123456  1\n    2   2894     0 2 65531     0     5      777  1\n    9   2895     0 2 65531     0     0        1  1\n")
	bad := file("bad", "    0   2893     3 2 65531    17     2   123456  1\n    2   xx\n")
	tests := []struct {
		name       string
		path       string
		want       string
		wantLogged string
	}{
		{
			name: "queues 0 and 2 bound, 1 not, 9 not configured",
			path: good,
			want: `
# HELP spitfilter_nfqueue_bound 1 when a reader is bound to the queue in the kernel, else 0.
# TYPE spitfilter_nfqueue_bound gauge
spitfilter_nfqueue_bound{queue="0"} 1
spitfilter_nfqueue_bound{queue="1"} 0
spitfilter_nfqueue_bound{queue="2"} 1
# HELP spitfilter_nfqueue_dropped_total Packets the kernel did not queue because the queue was full (accepted unseen when fail-open); 32-bit, wraps.
# TYPE spitfilter_nfqueue_dropped_total counter
spitfilter_nfqueue_dropped_total{queue="0"} 17
spitfilter_nfqueue_dropped_total{queue="2"} 0
# HELP spitfilter_nfqueue_id_sequence Id of the last packet queued: packets queued since the reader bound, modulo 2^32.
# TYPE spitfilter_nfqueue_id_sequence counter
spitfilter_nfqueue_id_sequence{queue="0"} 123456
spitfilter_nfqueue_id_sequence{queue="2"} 777
# HELP spitfilter_nfqueue_read_errors_total Scrapes at which the kernel's nfnetlink_queue file could not be read or parsed.
# TYPE spitfilter_nfqueue_read_errors_total counter
spitfilter_nfqueue_read_errors_total 0
# HELP spitfilter_nfqueue_user_dropped_total Packets the kernel failed to send to the reader (socket buffer full); 32-bit, wraps.
# TYPE spitfilter_nfqueue_user_dropped_total counter
spitfilter_nfqueue_user_dropped_total{queue="0"} 2
spitfilter_nfqueue_user_dropped_total{queue="2"} 5
# HELP spitfilter_nfqueue_waiting Packets waiting in the kernel queue for a verdict.
# TYPE spitfilter_nfqueue_waiting gauge
spitfilter_nfqueue_waiting{queue="0"} 3
spitfilter_nfqueue_waiting{queue="2"} 0
`,
		},
		{
			name: "module not loaded: no file, nothing bound, no error",
			path: filepath.Join(dir, "missing"),
			want: `
# HELP spitfilter_nfqueue_bound 1 when a reader is bound to the queue in the kernel, else 0.
# TYPE spitfilter_nfqueue_bound gauge
spitfilter_nfqueue_bound{queue="0"} 0
spitfilter_nfqueue_bound{queue="1"} 0
spitfilter_nfqueue_bound{queue="2"} 0
# HELP spitfilter_nfqueue_read_errors_total Scrapes at which the kernel's nfnetlink_queue file could not be read or parsed.
# TYPE spitfilter_nfqueue_read_errors_total counter
spitfilter_nfqueue_read_errors_total 0
`,
		},
		{
			name: "unparsable file: nothing bound, error counted and logged",
			path: bad,
			want: `
# HELP spitfilter_nfqueue_bound 1 when a reader is bound to the queue in the kernel, else 0.
# TYPE spitfilter_nfqueue_bound gauge
spitfilter_nfqueue_bound{queue="0"} 0
spitfilter_nfqueue_bound{queue="1"} 0
spitfilter_nfqueue_bound{queue="2"} 0
# HELP spitfilter_nfqueue_read_errors_total Scrapes at which the kernel's nfnetlink_queue file could not be read or parsed.
# TYPE spitfilter_nfqueue_read_errors_total counter
spitfilter_nfqueue_read_errors_total 1
`,
			wantLogged: bad + ": obs: unexpected nfnetlink_queue format: line 2 has 2 fields, want 9",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logged bytes.Buffer
			c, err := NewCollector(CollectorConfig{
				Source:   SourceFunc(sampleStats),
				Queues:   []uint16{2, 0, 1, 2},
				ProcPath: tt.path,
				Log:      slog.New(slog.NewTextHandler(&logged, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(c)
			err = testutil.GatherAndCompare(reg, strings.NewReader(tt.want),
				"spitfilter_nfqueue_bound", "spitfilter_nfqueue_dropped_total", "spitfilter_nfqueue_id_sequence",
				"spitfilter_nfqueue_read_errors_total", "spitfilter_nfqueue_user_dropped_total", "spitfilter_nfqueue_waiting")
			if err != nil {
				t.Error(err)
			}
			if tt.wantLogged == "" && logged.Len() != 0 {
				t.Errorf("logged %q, want nothing", logged.String())
			}
			if !strings.Contains(logged.String(), tt.wantLogged) {
				t.Errorf("logged %q, want it to contain %q", logged.String(), tt.wantLogged)
			}
		})
	}
}

func TestNewCollectorNeedsSource(t *testing.T) {
	if _, err := NewCollector(CollectorConfig{}); !errors.Is(err, ErrConfig) {
		t.Errorf("err = %v, want ErrConfig", err)
	}
}
