package obs

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// defaultBuffer is WriterConfig.Buffer's default.
const defaultBuffer = 1024

// WriterConfig says how a Writer buffers and what it writes.
type WriterConfig struct {
	// Buffer is how many events may wait for the sink, default 1024.
	// When it is full, Emit drops the event and counts it.
	Buffer int
	// Transcript writes Event.Transcript; off by default for privacy
	// (config transcript).
	Transcript bool
	// Log gets write and reopen errors (the first of a run of failed
	// writes, not every one); nil discards them.
	Log *slog.Logger
}

// Writer writes events as JSON lines, one Write call per line, from its own
// goroutine. It is safe for concurrent use. Emit never waits for the sink.
type Writer struct {
	cfg  WriterConfig
	path string // "" for NewWriter
	log  *slog.Logger

	mu     sync.RWMutex // guards closed against sends on a closed ch
	closed bool
	ch     chan item
	done   chan struct{}

	sinkMu sync.Mutex // guards sink and file
	sink   io.Writer
	file   *os.File

	written, dropped, failed atomic.Uint64
	failing                  bool // owned by the writing goroutine
	d                        *prometheus.Desc
}

// item is an event to write, or (flushed != nil) a request to signal when
// everything before it is written.
type item struct {
	e       Event
	flushed chan struct{}
}

// NewWriter returns a Writer onto w (for example os.Stdout, for config
// events "-"). Reopen does nothing on it. Close does not close w.
func NewWriter(w io.Writer, cfg WriterConfig) *Writer {
	return start(w, nil, "", cfg)
}

// OpenWriter returns a Writer appending to the file at path, created with
// mode 0640 if missing. Reopen closes and reopens it (after logrotate has
// moved it); Close closes it.
func OpenWriter(path string, cfg WriterConfig) (*Writer, error) {
	f, err := openEvents(path)
	if err != nil {
		return nil, err
	}
	return start(f, f, path, cfg), nil
}

func openEvents(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("events file: %w", err)
	}
	return f, nil
}

func start(w io.Writer, f *os.File, path string, cfg WriterConfig) *Writer {
	if cfg.Buffer <= 0 {
		cfg.Buffer = defaultBuffer
	}
	wr := &Writer{
		cfg:  cfg,
		path: path,
		log:  cfg.Log,
		ch:   make(chan item, cfg.Buffer),
		done: make(chan struct{}),
		sink: w,
		file: f,
		d:    prometheus.NewDesc("spitfilter_events_total", "Event lines by result: written, dropped (buffer full), failed (write error).", []string{"result"}, nil),
	}
	if wr.log == nil {
		wr.log = slog.New(slog.DiscardHandler)
	}
	go wr.run()
	return wr
}

// Emit queues e for writing and returns at once. It reports false, and
// counts the event as dropped, when the buffer is full or the Writer is
// closed.
func (w *Writer) Emit(e Event) bool {
	if !w.cfg.Transcript {
		e.Transcript = ""
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.closed {
		select {
		case w.ch <- item{e: e}:
			return true
		default:
		}
	}
	w.dropped.Add(1)
	return false
}

// Flush waits until the events emitted before it are written (or failed).
// Unlike Emit it blocks while the sink stalls. After Close it returns
// ErrClosed.
func (w *Writer) Flush() error {
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	done := make(chan struct{})
	w.ch <- item{flushed: done}
	w.mu.RUnlock()
	<-done
	return nil
}

func (w *Writer) run() {
	defer close(w.done)
	var line []byte
	for it := range w.ch {
		if it.flushed != nil {
			close(it.flushed)
			continue
		}
		b, err := json.Marshal(it.e)
		if err == nil {
			line = append(append(line[:0], b...), '\n')
			w.sinkMu.Lock()
			_, err = w.sink.Write(line)
			w.sinkMu.Unlock()
		}
		if err != nil {
			w.failed.Add(1)
			if !w.failing {
				w.log.Error("events: write failed; counting further failures", "path", w.path, "err", err)
			}
			w.failing = true
			continue
		}
		if w.failing {
			w.log.Info("events: writing again", "path", w.path, "failed", w.failed.Load())
		}
		w.failing = false
		w.written.Add(1)
	}
}

// Reopen reopens the file of a Writer made by OpenWriter, for SIGHUP after
// log rotation. Events queued meanwhile go to the new file. When the file
// cannot be opened, the Writer keeps the old one and Reopen returns the
// error.
func (w *Writer) Reopen() error {
	if w.path == "" {
		return nil
	}
	w.mu.RLock()
	closed := w.closed
	w.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	f, err := openEvents(w.path)
	if err != nil {
		w.log.Error("events: reopen failed; writing on to the old file", "err", err)
		return err
	}
	w.sinkMu.Lock()
	old := w.file
	w.sink, w.file = f, f
	w.sinkMu.Unlock()
	if err := old.Close(); err != nil {
		return fmt.Errorf("events file: closing the old one: %w", err)
	}
	return nil
}

// Close writes the events already queued, stops the Writer's goroutine and
// closes the file. It is idempotent and waits; it blocks while the sink
// stalls.
func (w *Writer) Close() error {
	w.mu.Lock()
	already := w.closed
	if !already {
		w.closed = true
		close(w.ch)
	}
	w.mu.Unlock()
	<-w.done
	if already || w.file == nil {
		return nil
	}
	w.sinkMu.Lock()
	defer w.sinkMu.Unlock()
	if err := w.file.Close(); err != nil {
		return fmt.Errorf("events file: %w", err)
	}
	return nil
}

// WriterStats counts a Writer's events.
type WriterStats struct {
	// Written, Dropped (buffer full or closed) and Failed (the sink
	// returned an error) events.
	Written, Dropped, Failed uint64
}

// Stats returns the counts so far.
func (w *Writer) Stats() WriterStats {
	return WriterStats{Written: w.written.Load(), Dropped: w.dropped.Load(), Failed: w.failed.Load()}
}

// Describe and Collect export the counts as spitfilter_events_total with
// label result = written, dropped or failed.
func (w *Writer) Describe(ch chan<- *prometheus.Desc) { ch <- w.d }

// Collect: see Describe.
func (w *Writer) Collect(ch chan<- prometheus.Metric) {
	s := w.Stats()
	ch <- prometheus.MustNewConstMetric(w.d, prometheus.CounterValue, float64(s.Written), "written")
	ch <- prometheus.MustNewConstMetric(w.d, prometheus.CounterValue, float64(s.Dropped), "dropped")
	ch <- prometheus.MustNewConstMetric(w.d, prometheus.CounterValue, float64(s.Failed), "failed")
}
