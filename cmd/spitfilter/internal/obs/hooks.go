package obs

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HooksConfig says what to run on each detection.
type HooksConfig struct {
	// Exec is a command line, split into words without a shell (single
	// and double quotes group words, backslash escapes; nothing is
	// expanded). The program gets the event JSON on standard input and
	// SPITFILTER_EVENT_* variables in its environment. "" means none.
	Exec string
	// Webhook is an http or https URL POSTed the event JSON
	// (Content-Type application/json). "" means none.
	Webhook string
	// Timeout bounds each run and each POST; a program still running is
	// killed (with its process group). Default 5s.
	Timeout time.Duration
	// MaxConcurrent bounds the hooks running at once (an exec and a POST
	// count one each). Default 8. Beyond it, Fire drops and counts.
	MaxConcurrent int
	// Transcript sends Event.Transcript; off by default for privacy.
	Transcript bool
	// Client makes the POSTs; nil means a client with no proxy from the
	// environment and no redirects followed.
	Client *http.Client
}

// Hooks runs the configured program and POSTs to the configured URL for
// each event it is given, asynchronously. It is safe for concurrent use.
type Hooks struct{}

// NewHooks checks cfg and returns its Hooks. Failures are logged to log
// (nil: discarded) and counted. An unusable Exec or Webhook is an error
// wrapping ErrConfig.
func NewHooks(cfg HooksConfig, log *slog.Logger) (*Hooks, error) { panic("todo") }

// Fire starts the hooks for e and returns at once. It reports false when a
// hook was dropped because MaxConcurrent hooks were already running or the
// Hooks is closed.
func (h *Hooks) Fire(e Event) bool { panic("todo") }

// Close waits for the hooks in flight (each is bounded by Timeout) and
// makes later Fire calls drop. It is idempotent.
func (h *Hooks) Close() error { panic("todo") }

// HookStats counts hook runs by hook (exec, webhook) and outcome.
type HookStats struct {
	ExecOK, ExecFailed, ExecTimeout          uint64
	WebhookOK, WebhookFailed, WebhookTimeout uint64
	// Dropped counts hooks not started (bound reached, or closed).
	Dropped uint64
}

// Stats returns the counts so far.
func (h *Hooks) Stats() HookStats { panic("todo") }

// Describe and Collect export the counts as
// spitfilter_hooks_total{hook,result} and spitfilter_hooks_dropped_total.
func (h *Hooks) Describe(ch chan<- *prometheus.Desc) {}

// Collect: see Describe.
func (h *Hooks) Collect(ch chan<- prometheus.Metric) {}
