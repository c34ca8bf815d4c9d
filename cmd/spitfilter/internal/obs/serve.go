package obs

import (
	"context"
	"net"

	"github.com/prometheus/client_golang/prometheus"
)

// Serve listens on addr (host:port) and serves g's metrics on /metrics and
// "ok" on /healthz until ctx is done; it then shuts the server down,
// waiting up to 5 seconds for scrapes in flight, and returns nil. A listen
// or serve error is returned as is.
func Serve(ctx context.Context, addr string, g prometheus.Gatherer) error {
	panic("todo")
}

// ServeListener is Serve on a listener the caller opened (for example on
// 127.0.0.1:0 in tests, or from systemd socket activation). It closes ln.
func ServeListener(ctx context.Context, ln net.Listener, g prometheus.Gatherer) error {
	panic("todo")
}
