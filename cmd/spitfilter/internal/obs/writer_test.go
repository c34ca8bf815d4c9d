package obs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// readLines splits JSON lines and checks each is an object with a type.
func readLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d %q: %v", len(out)+1, sc.Text(), err)
		}
		if m["type"] == nil {
			t.Fatalf("line %d %q has no type", len(out)+1, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestWriterTranscript(t *testing.T) {
	det := sampleEvents()[1]
	tests := []struct {
		name       string
		transcript bool
		want       any
	}{
		{"off by default", false, nil},
		{"on when configured", true, "you have won a free cruise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf, WriterConfig{Transcript: tt.transcript})
			if !w.Emit(det) {
				t.Fatal("Emit dropped the event")
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			lines := readLines(t, buf.Bytes())
			if len(lines) != 1 {
				t.Fatalf("%d lines, want 1", len(lines))
			}
			if got := lines[0]["transcript"]; got != tt.want {
				t.Errorf("transcript = %v, want %v", got, tt.want)
			}
			if lines[0]["text"] != "free cruise" {
				t.Errorf("text = %v, want the matched rule text", lines[0]["text"])
			}
		})
	}
}

// TestWriterConcurrent has many goroutines emit at once onto a file; run
// with -race. Every line must arrive whole.
func TestWriterConcurrent(t *testing.T) {
	const goroutines, each = 8, 500
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := OpenWriter(path, WriterConfig{Buffer: goroutines * each})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				e := sampleEvents()[1]
				e.Rule = fmt.Sprintf("g%d-%d", g, i)
				if !w.Emit(e) {
					t.Errorf("Emit %s dropped with room in the buffer", e.Rule)
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, b)
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l["rule"].(string)] = true
	}
	if len(lines) != goroutines*each || len(seen) != goroutines*each {
		t.Errorf("%d lines, %d distinct, want %d", len(lines), len(seen), goroutines*each)
	}
	if diff := cmp.Diff(WriterStats{Written: goroutines * each}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if w.Emit(sampleEvents()[0]) {
		t.Error("Emit after Close accepted the event")
	}
	if got := w.Stats().Dropped; got != 1 {
		t.Errorf("dropped after Close = %d, want 1", got)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := w.Flush(); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
}

// TestWriterStall writes to a pipe nobody reads: once the pipe and the
// buffer are full, Emit must keep returning (dropping and counting), and
// nothing accepted may be lost once the reader comes back.
func TestWriterStall(t *testing.T) {
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const buffer, emitted = 16, 20000 // a 64 KiB pipe holds a few hundred lines
	w := NewWriter(pw, WriterConfig{Buffer: buffer})
	accepted := 0
	for range emitted {
		if w.Emit(sampleEvents()[1]) {
			accepted++
		}
	}
	st := w.Stats()
	if st.Dropped == 0 || accepted == 0 || uint64(accepted)+st.Dropped != emitted {
		t.Fatalf("accepted %d, stats %+v: want some of %d accepted and the rest dropped", accepted, st, emitted)
	}
	if got := testutil.ToFloat64(dropOnly{w}); got != float64(st.Dropped) {
		t.Errorf("spitfilter_events_total{result=dropped} = %v, want %d", got, st.Dropped)
	}
	read := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		read <- b
	}()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	lines := readLines(t, <-read)
	if len(lines) != accepted || w.Stats().Written != uint64(accepted) {
		t.Errorf("%d lines read, %d written, want the %d accepted", len(lines), w.Stats().Written, accepted)
	}
	t.Logf("%d accepted, %d dropped while the sink stalled", accepted, st.Dropped)
}

// dropOnly exports just the dropped series of a Writer's metric.
type dropOnly struct{ w *Writer }

func (d dropOnly) Describe(ch chan<- *prometheus.Desc) { d.w.Describe(ch) }
func (d dropOnly) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric, 3)
	d.w.Collect(all)
	close(all)
	for m := range all {
		var pb dto.Metric
		if err := m.Write(&pb); err == nil && pb.GetLabel()[0].GetValue() == "dropped" {
			ch <- m
		}
	}
}

// TestWriterFailingSink counts a sink's errors as failed, not written.
func TestWriterFailingSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // writes now fail: "file already closed"
	w := NewWriter(f, WriterConfig{})
	w.Emit(sampleEvents()[0])
	w.Emit(sampleEvents()[1])
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(WriterStats{Failed: 2}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// TestWriterReopen moves the file away as logrotate does, and checks that
// Reopen sends later events to a new file with mode 0640.
func TestWriterReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	w, err := OpenWriter(path, WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	evs := sampleEvents()
	w.Emit(evs[0])
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	w.Emit(evs[1]) // still to the old file, or to the new one: not lost
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	w.Emit(evs[6])
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path + ".1")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	oldLines, curLines := readLines(t, old), readLines(t, cur)
	if len(oldLines)+len(curLines) != 3 || oldLines[0]["type"] != "start" || curLines[len(curLines)-1]["type"] != "reload" {
		t.Errorf("rotated file %q, new file %q: want start first in the rotated one, reload last in the new one, 3 in all", old, cur)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&^0o640 != 0 {
		t.Errorf("new file mode %v, want at most 0640", fi.Mode().Perm())
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o755); err != nil { // reopen must now fail
		t.Fatal(err)
	}
	if err := w.Reopen(); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Reopen onto a directory = %v, want an error naming %s", err, path)
	}
}

func TestOpenWriterError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "events.jsonl")
	if _, err := OpenWriter(path, WriterConfig{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("OpenWriter = %v, want an error naming %s", err, path)
	}
}
