package obs

import (
	"io"

	"github.com/prometheus/client_golang/prometheus"
)

// WriterConfig says how a Writer buffers and what it writes.
type WriterConfig struct {
	// Buffer is how many events may wait for the sink, default 1024.
	// When it is full, Emit drops the event and counts it.
	Buffer int
	// Transcript writes Event.Transcript; off by default for privacy
	// (config transcript).
	Transcript bool
}

// Writer writes events as JSON lines, one per Emit, from its own
// goroutine. It is safe for concurrent use. Emit never waits for the sink.
type Writer struct{}

// NewWriter returns a Writer onto w (for example os.Stdout, for config
// events "-"). Reopen does nothing on it. Close does not close w.
func NewWriter(w io.Writer, cfg WriterConfig) *Writer { panic("todo") }

// OpenWriter returns a Writer appending to the file at path, created with
// mode 0640 if missing. Reopen closes and reopens it (after logrotate has
// moved it); Close closes it.
func OpenWriter(path string, cfg WriterConfig) (*Writer, error) { panic("todo") }

// Emit queues e for writing and returns at once. It reports false, and
// counts the event as dropped, when the buffer is full or the Writer is
// closed.
func (w *Writer) Emit(e Event) bool { panic("todo") }

// Reopen reopens the file of a Writer made by OpenWriter, for SIGHUP after
// log rotation. Events queued meanwhile go to the new file.
func (w *Writer) Reopen() error { panic("todo") }

// Close writes the events already queued, stops the Writer's goroutine and
// closes the file. It is idempotent and waits.
func (w *Writer) Close() error { panic("todo") }

// WriterStats counts a Writer's events.
type WriterStats struct {
	// Written, Dropped (buffer full or closed) and Failed (the sink
	// returned an error) events.
	Written, Dropped, Failed uint64
}

// Stats returns the counts so far.
func (w *Writer) Stats() WriterStats { panic("todo") }

// Describe and Collect export the counts as spitfilter_events_total{result}.
func (w *Writer) Describe(ch chan<- *prometheus.Desc) {}

// Collect: see Describe.
func (w *Writer) Collect(ch chan<- prometheus.Metric) {}
