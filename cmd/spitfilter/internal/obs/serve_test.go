package obs

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestServeListener(t *testing.T) {
	c, err := NewCollector(CollectorConfig{Source: SourceFunc(sampleStats)})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, reg) }()
	base := "http://" + ln.Addr().String()

	tests := []struct {
		name, path string
		code       int
		contains   string
	}{
		{"metrics", "/metrics", 200, "\nspitfilter_verdicts_total{verdict=\"mute\"} 50\n"},
		{"health", "/healthz", 200, "ok\n"},
		{"unknown path", "/debug/pprof/", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, base+tt.path)
			if code != tt.code || !strings.Contains(body, tt.contains) {
				t.Errorf("GET %s = %d %q, want %d containing %q", tt.path, code, body, tt.code, tt.contains)
			}
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeListener after cancel = %v, want nil", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still answers after ServeListener returned")
	}
}

func TestServeBadAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, addr := range []string{ln.Addr().String(), "127.0.0.1:http-metrics-nope"} {
		err := Serve(context.Background(), addr, prometheus.NewRegistry())
		if err == nil || !strings.Contains(err.Error(), "metrics listener") || !strings.Contains(err.Error(), addr) {
			t.Errorf("Serve(%q) = %v, want a listener error naming the address", addr, err)
		}
	}
}
