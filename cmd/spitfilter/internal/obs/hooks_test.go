package obs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// script writes an executable shell script into dir.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func logTo(buf *syncBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(buf, nil)) }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestHookExec runs a real script that saves its standard input and its
// SPITFILTER_EVENT_* environment, from a directory whose name needs quoting.
func TestHookExec(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "with space")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	prog := script(t, dir, "hangup.sh", `cat > "$1/stdin.json"
env | grep '^SPITFILTER_EVENT_' | sort > "$1/env"
`)
	h, err := NewHooks(HooksConfig{Exec: `"` + prog + `" '` + dir + `'`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := sampleEvents()[1]
	if !h.Fire(e) {
		t.Fatal("Fire dropped the hook")
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(HookStats{ExecOK: 1}, h.Stats()); diff != "" {
		t.Fatalf("stats (-want +got):\n%s", diff)
	}
	stdin, err := os.ReadFile(filepath.Join(dir, "stdin.json"))
	if err != nil {
		t.Fatal(err)
	}
	e.Transcript = "" // not sent unless configured
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if string(stdin) != string(want) {
		t.Errorf("stdin = %s\nwant    %s", stdin, want)
	}
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	wantEnv := `SPITFILTER_EVENT_ACTION=mute
SPITFILTER_EVENT_CONFIDENCE=0.82
SPITFILTER_EVENT_DST=192.0.2.2:30000
SPITFILTER_EVENT_DST_IP=192.0.2.2
SPITFILTER_EVENT_DST_PORT=30000
SPITFILTER_EVENT_END_S=3.9
SPITFILTER_EVENT_KIND=phrase
SPITFILTER_EVENT_RULE=free cruise
SPITFILTER_EVENT_SRC=192.0.2.1:4000
SPITFILTER_EVENT_SRC_IP=192.0.2.1
SPITFILTER_EVENT_SRC_PORT=4000
SPITFILTER_EVENT_SSRC=0x1a2b3c4d
SPITFILTER_EVENT_START_S=3.2
SPITFILTER_EVENT_TEXT=free cruise
SPITFILTER_EVENT_TIME=2026-11-28T09:15:06.32Z
SPITFILTER_EVENT_TYPE=detection
`
	if diff := cmp.Diff(strings.Split(wantEnv, "\n"), strings.Split(string(env), "\n")); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
}

// alive reports whether process pid exists and is not a zombie.
func alive(t *testing.T, pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) STATE ...: comm may hold spaces, the state follows the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// TestHookExecTimeout runs a script that outlives the timeout and leaves a
// child behind; both must be killed (by process group id).
func TestHookExecTimeout(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see the processes")
	}
	dir := t.TempDir()
	prog := script(t, dir, "slow.sh", `sleep 300 &
echo $! > "$1/child.tmp" && mv "$1/child.tmp" "$1/child"
echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
wait
`)
	var logged syncBuffer
	h, err := NewHooks(HooksConfig{Exec: prog + " " + dir, Timeout: 500 * time.Millisecond}, logTo(&logged))
	if err != nil {
		t.Fatal(err)
	}
	h.Fire(sampleEvents()[1])
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(HookStats{ExecTimeout: 1}, h.Stats()); diff != "" {
		t.Fatalf("stats (-want +got):\n%s\nlog: %s", diff, logged.String())
	}
	for _, name := range []string{"pid", "child"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("the script did not get to write its %s: %v", name, err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		// The kill is synchronous; the kernel may take a moment to
		// finish the exit of a process reparented away from us.
		for i := 0; alive(t, pid) && i < 100; i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(t, pid) {
			t.Errorf("%s %d still running after the timeout", name, pid)
		}
	}
	if !strings.Contains(logged.String(), "exec timed out and was killed") {
		t.Errorf("log %q does not report the timeout", logged.String())
	}
}

func TestHookExecFails(t *testing.T) {
	dir := t.TempDir()
	prog := script(t, dir, "fail.sh", "echo 'asterisk: no such channel' >&2\nexit 3\n")
	var logged syncBuffer
	h, err := NewHooks(HooksConfig{Exec: prog}, logTo(&logged))
	if err != nil {
		t.Fatal(err)
	}
	h.Fire(sampleEvents()[1])
	h.Close()
	if diff := cmp.Diff(HookStats{ExecFailed: 1}, h.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	for _, want := range []string{"exit status 3", "asterisk: no such channel"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log %q does not contain %q", logged.String(), want)
		}
	}
}

func TestWebhook(t *testing.T) {
	type got struct {
		method, ctype string
		body          []byte
	}
	tests := []struct {
		name        string
		status      int
		stall       bool
		transcript  bool
		want        HookStats
		wantLogged  string
		wantTransc  bool
		wantRequest bool
	}{
		{name: "ok", status: 204, want: HookStats{WebhookOK: 1}, wantRequest: true},
		{name: "ok with transcript", status: 200, transcript: true, want: HookStats{WebhookOK: 1}, wantTransc: true, wantRequest: true},
		{name: "server error", status: 500, want: HookStats{WebhookFailed: 1}, wantLogged: "500 Internal Server Error", wantRequest: true},
		{name: "redirect not followed", status: 307, want: HookStats{WebhookFailed: 1}, wantLogged: "307 Temporary Redirect", wantRequest: true},
		{name: "stalled server", stall: true, want: HookStats{WebhookTimeout: 1}, wantLogged: "webhook timed out", wantRequest: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := make(chan got, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				reqs <- got{r.Method, r.Header.Get("Content-Type"), b}
				if tt.stall {
					<-r.Context().Done()
					return
				}
				if tt.status == 307 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			var logged syncBuffer
			h, err := NewHooks(HooksConfig{Webhook: srv.URL + "/spit", Timeout: 300 * time.Millisecond, Transcript: tt.transcript}, logTo(&logged))
			if err != nil {
				t.Fatal(err)
			}
			e := sampleEvents()[1]
			if !h.Fire(e) {
				t.Fatal("Fire dropped the hook")
			}
			h.Close()
			if diff := cmp.Diff(tt.want, h.Stats()); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			if !strings.Contains(logged.String(), tt.wantLogged) {
				t.Errorf("log %q does not contain %q", logged.String(), tt.wantLogged)
			}
			r := <-reqs
			if !tt.wantTransc {
				e.Transcript = ""
			}
			want, _ := json.Marshal(e)
			if diff := cmp.Diff(got{"POST", "application/json", want}, r, cmp.AllowUnexported(got{})); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHooksBound holds MaxConcurrent webhooks in a server that does not
// answer; the next ones must be dropped at once and counted.
func TestHooksBound(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	h, err := NewHooks(HooksConfig{Webhook: srv.URL, MaxConcurrent: 2, Timeout: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fired []bool
	for range 5 {
		fired = append(fired, h.Fire(sampleEvents()[1]))
	}
	if diff := cmp.Diff([]bool{true, true, false, false, false}, fired); diff != "" {
		t.Errorf("Fire results (-want +got):\n%s", diff)
	}
	close(release)
	h.Close()
	if diff := cmp.Diff(HookStats{WebhookOK: 2, Dropped: 3}, h.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if h.Fire(sampleEvents()[1]) || h.Stats().Dropped != 4 {
		t.Errorf("Fire after Close ran or was not counted: %+v", h.Stats())
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestNewHooksErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  HooksConfig
		msg  string
	}{
		{"unterminated quote", HooksConfig{Exec: `/bin/echo 'oops`}, "hooks.exec \"/bin/echo 'oops\": unterminated ' quote at byte 11"},
		{"blank exec", HooksConfig{Exec: "  \t"}, "names no program"},
		{"program not found", HooksConfig{Exec: "/nonexistent/hangup --now"}, "/nonexistent/hangup"},
		{"webhook not http", HooksConfig{Webhook: "ftp://pbx.example/hook"}, `hooks.webhook "ftp://pbx.example/hook" is not an http:// or https:// URL`},
		{"webhook without host", HooksConfig{Webhook: "http:///hook"}, "with a host"},
		{"webhook unparsable", HooksConfig{Webhook: "http://[::1"}, "hooks.webhook"},
		{"negative timeout", HooksConfig{Webhook: "http://pbx/", Timeout: -time.Second}, "hooks.timeout -1s is negative"},
		{"negative bound", HooksConfig{MaxConcurrent: -1}, "max concurrent -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHooks(tt.cfg, nil)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want ErrConfig containing %q", err, tt.msg)
			}
		})
	}
}
