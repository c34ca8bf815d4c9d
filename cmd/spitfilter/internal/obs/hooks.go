package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Hook defaults.
const (
	defaultHookTimeout   = 5 * time.Second
	defaultMaxConcurrent = 8
	hookOutputLimit      = 4096 // bytes of a program's output kept for the log
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
	// Client makes the POSTs; nil means a client that follows no
	// redirects (http.DefaultTransport otherwise).
	Client *http.Client
}

// Hooks runs the configured program and POSTs to the configured URL for
// each event it is given, asynchronously. It is safe for concurrent use.
type Hooks struct {
	argv    []string
	webhook string
	timeout time.Duration
	transc  bool
	client  *http.Client
	log     *slog.Logger

	sem    chan struct{}
	mu     sync.RWMutex // guards closed against wg.Add after Wait
	closed bool
	wg     sync.WaitGroup

	execOK, execFailed, execTimeout atomic.Uint64
	webOK, webFailed, webTimeout    atomic.Uint64
	dropped                         atomic.Uint64

	runs, drops *prometheus.Desc
}

// NewHooks checks cfg and returns its Hooks. Failures are logged to log
// (nil: discarded) and counted. An Exec that does not split or whose
// program is not found, a Webhook that is not an absolute http or https
// URL, or a negative Timeout or MaxConcurrent is an error wrapping
// ErrConfig.
func NewHooks(cfg HooksConfig, log *slog.Logger) (*Hooks, error) {
	h := &Hooks{
		webhook: cfg.Webhook,
		timeout: cfg.Timeout,
		transc:  cfg.Transcript,
		client:  cfg.Client,
		log:     log,
		runs:    prometheus.NewDesc("spitfilter_hooks_total", "Hook runs by hook (exec, webhook) and result (ok, failed, timeout).", []string{"hook", "result"}, nil),
		drops:   prometheus.NewDesc("spitfilter_hooks_dropped_total", "Hook runs not started because too many hooks were running.", nil, nil),
	}
	if cfg.Exec != "" {
		argv, err := splitArgs(cfg.Exec)
		if err != nil {
			return nil, fmt.Errorf("%w: hooks.exec %q: %v", ErrConfig, cfg.Exec, err)
		}
		if len(argv) == 0 {
			return nil, fmt.Errorf("%w: hooks.exec %q names no program", ErrConfig, cfg.Exec)
		}
		if _, err := exec.LookPath(argv[0]); err != nil {
			return nil, fmt.Errorf("%w: hooks.exec: %v", ErrConfig, err)
		}
		h.argv = argv
	}
	if cfg.Webhook != "" {
		u, err := url.Parse(cfg.Webhook)
		if err != nil {
			return nil, fmt.Errorf("%w: hooks.webhook: %v", ErrConfig, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: hooks.webhook %q is not an http:// or https:// URL with a host", ErrConfig, cfg.Webhook)
		}
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("%w: hooks.timeout %v is negative", ErrConfig, cfg.Timeout)
	case cfg.Timeout == 0:
		h.timeout = defaultHookTimeout
	}
	n := cfg.MaxConcurrent
	switch {
	case n < 0:
		return nil, fmt.Errorf("%w: hooks max concurrent %d is negative", ErrConfig, n)
	case n == 0:
		n = defaultMaxConcurrent
	}
	h.sem = make(chan struct{}, n)
	if h.client == nil {
		h.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// Fire starts the hooks for e and returns at once. It reports false when a
// hook was dropped because MaxConcurrent hooks were already running or the
// Hooks is closed. With no hook configured it does nothing and reports true.
func (h *Hooks) Fire(e Event) bool {
	if !h.transc {
		e.Transcript = ""
	}
	var body []byte
	if h.argv != nil || h.webhook != "" {
		var err error
		if body, err = json.Marshal(e); err != nil {
			h.log.Error("hooks: event does not marshal", "err", err)
			return false
		}
	}
	ok := true
	if h.argv != nil {
		ok = h.start(func() { h.runExec(e, body) }) && ok
	}
	if h.webhook != "" {
		ok = h.start(func() { h.post(body) }) && ok
	}
	return ok
}

// start runs f on a goroutine of its own if a slot is free.
func (h *Hooks) start(f func()) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		h.dropped.Add(1)
		return false
	}
	select {
	case h.sem <- struct{}{}:
	default:
		h.dropped.Add(1)
		return false
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer func() { <-h.sem }()
		f()
	}()
	return true
}

// runExec runs the program with body on its standard input.
func (h *Hooks) runExec(e Event, body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.argv[0], h.argv[1:]...)
	cmd.Stdin = bytes.NewReader(body)
	out := &limitedBuffer{max: hookOutputLimit}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), eventEnv(e)...)
	cmd.WaitDelay = time.Second // a grandchild holding the output pipe does not hold us
	killGroup(cmd)
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		h.execTimeout.Add(1)
		h.log.Warn("hooks: exec timed out and was killed", "program", h.argv[0], "timeout", h.timeout, "output", out.String())
	case err != nil:
		h.execFailed.Add(1)
		h.log.Warn("hooks: exec failed", "program", h.argv[0], "err", err, "output", out.String())
	default:
		h.execOK.Add(1)
		h.log.Debug("hooks: exec done", "program", h.argv[0], "output", out.String())
	}
}

// post POSTs body to the webhook.
func (h *Hooks) post(body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	err := h.postOnce(ctx, body)
	switch {
	case err == nil:
		h.webOK.Add(1)
	case ctx.Err() != nil:
		h.webTimeout.Add(1)
		h.log.Warn("hooks: webhook timed out", "url", h.webhook, "timeout", h.timeout)
	default:
		h.webFailed.Add(1)
		h.log.Warn("hooks: webhook failed", "url", h.webhook, "err", err)
	}
}

func (h *Hooks) postOnce(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "spitfilter")
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: webhook answered %s", ErrHook, resp.Status)
	}
	return nil
}

// eventEnv returns the SPITFILTER_EVENT_* variables of e.
func eventEnv(e Event) []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	env := []string{
		"SPITFILTER_EVENT_TYPE=" + string(e.Type),
		"SPITFILTER_EVENT_TIME=" + e.Time.UTC().Format(time.RFC3339Nano),
	}
	if e.Stream.Src.IsValid() || e.Stream.Dst.IsValid() {
		env = append(env,
			"SPITFILTER_EVENT_SRC="+e.Stream.Src.String(),
			"SPITFILTER_EVENT_SRC_IP="+e.Stream.Src.Addr().String(),
			"SPITFILTER_EVENT_SRC_PORT="+strconv.Itoa(int(e.Stream.Src.Port())),
			"SPITFILTER_EVENT_DST="+e.Stream.Dst.String(),
			"SPITFILTER_EVENT_DST_IP="+e.Stream.Dst.Addr().String(),
			"SPITFILTER_EVENT_DST_PORT="+strconv.Itoa(int(e.Stream.Dst.Port())),
			fmt.Sprintf("SPITFILTER_EVENT_SSRC=0x%08x", e.Stream.SSRC),
		)
	}
	if e.Rule != "" {
		env = append(env,
			"SPITFILTER_EVENT_RULE="+e.Rule,
			"SPITFILTER_EVENT_KIND="+e.Kind,
			"SPITFILTER_EVENT_TEXT="+e.Text,
			"SPITFILTER_EVENT_ACTION="+e.Action,
			"SPITFILTER_EVENT_CONFIDENCE="+f(e.Confidence),
			"SPITFILTER_EVENT_START_S="+f(e.StartS),
			"SPITFILTER_EVENT_END_S="+f(e.EndS),
		)
	}
	return env
}

// limitedBuffer keeps the first max bytes written to it and discards the
// rest. It is safe for the two goroutines exec uses for stdout and stderr.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Close waits for the hooks in flight (each is bounded by Timeout) and
// makes later Fire calls drop. It is idempotent.
func (h *Hooks) Close() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.wg.Wait()
	return nil
}

// HookStats counts hook runs by hook (exec, webhook) and outcome.
type HookStats struct {
	ExecOK, ExecFailed, ExecTimeout          uint64
	WebhookOK, WebhookFailed, WebhookTimeout uint64
	// Dropped counts hooks not started (bound reached, or closed).
	Dropped uint64
}

// Stats returns the counts so far.
func (h *Hooks) Stats() HookStats {
	return HookStats{
		ExecOK: h.execOK.Load(), ExecFailed: h.execFailed.Load(), ExecTimeout: h.execTimeout.Load(),
		WebhookOK: h.webOK.Load(), WebhookFailed: h.webFailed.Load(), WebhookTimeout: h.webTimeout.Load(),
		Dropped: h.dropped.Load(),
	}
}

// Describe and Collect export the counts as
// spitfilter_hooks_total{hook,result} and spitfilter_hooks_dropped_total.
func (h *Hooks) Describe(ch chan<- *prometheus.Desc) {
	ch <- h.runs
	ch <- h.drops
}

// Collect: see Describe.
func (h *Hooks) Collect(ch chan<- prometheus.Metric) {
	s := h.Stats()
	for _, r := range []struct {
		hook, result string
		n            uint64
	}{
		{"exec", "ok", s.ExecOK}, {"exec", "failed", s.ExecFailed}, {"exec", "timeout", s.ExecTimeout},
		{"webhook", "ok", s.WebhookOK}, {"webhook", "failed", s.WebhookFailed}, {"webhook", "timeout", s.WebhookTimeout},
	} {
		ch <- prometheus.MustNewConstMetric(h.runs, prometheus.CounterValue, float64(r.n), r.hook, r.result)
	}
	ch <- prometheus.MustNewConstMetric(h.drops, prometheus.CounterValue, float64(s.Dropped))
}
