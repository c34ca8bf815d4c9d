package obs_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/obs"
)

// The daemon counts in its own atomics and hands a snapshot at scrape time.
func ExampleNewCollector() {
	stats := func() obs.Stats {
		return obs.Stats{
			Packets:  1500,
			Verdicts: obs.Verdicts{Accept: 1400, Mute: 100},
		}
	}
	c, err := obs.NewCollector(obs.CollectorConfig{Source: obs.SourceFunc(stats)})
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	out, err := testutil.CollectAndFormat(c, expfmt.TypeTextPlain, "spitfilter_packets_total")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// # HELP spitfilter_packets_total Packets the queues handed to the daemon.
	// # TYPE spitfilter_packets_total counter
	// spitfilter_packets_total 1500
}

func ExampleParseQueues() {
	b := []byte("    0  21313     0 2 65531     4     1   123456  1\n")
	qs, err := obs.ParseQueues(nil, b)
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range qs {
		fmt.Printf("queue %d: %d queued, %d dropped (full), %d dropped (reader slow)\n", q.Queue, q.IDSequence, q.QueueDropped, q.UserDropped)
	}
	// Output:
	// queue 0: 123456 queued, 4 dropped (full), 1 dropped (reader slow)
}

func ExampleServeListener() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- obs.ServeListener(ctx, ln, prometheus.NewRegistry()) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		log.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(b))
	cancel()
	fmt.Println(<-done)
	// Output:
	// ok
	// <nil>
}

func ExampleWriter() {
	w := obs.NewWriter(os.Stdout, obs.WriterConfig{})
	w.Emit(obs.Event{
		Time: time.Date(2026, 11, 28, 9, 15, 6, 320000000, time.UTC),
		Type: obs.Detection,
		Stream: obs.Stream{
			Src:  netip.MustParseAddrPort("192.0.2.1:4000"),
			Dst:  netip.MustParseAddrPort("192.0.2.2:30000"),
			SSRC: 0x1a2b3c4d,
		},
		Rule: "free cruise", Kind: "phrase", Text: "free cruise", Confidence: 0.82, Action: "mute",
		StartS: 3.2, EndS: 3.9, RTPStart: 25600, RTPEnd: 31200,
		Transcript: "not written: WriterConfig.Transcript is off",
	})
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// {"time":"2026-11-28T09:15:06.32Z","type":"detection","stream":{"src":"192.0.2.1:4000","dst":"192.0.2.2:30000","ssrc":"0x1a2b3c4d"},"rule":"free cruise","kind":"phrase","text":"free cruise","confidence":0.82,"action":"mute","start_s":3.2,"end_s":3.9,"rtp_start":25600,"rtp_end":31200}
}

func ExampleNewHooks() {
	pbx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Printf("%s %s %s\n", r.Method, r.URL.Path, b)
	}))
	defer pbx.Close()
	h, err := obs.NewHooks(obs.HooksConfig{Webhook: pbx.URL + "/hangup", Timeout: 5 * time.Second}, nil)
	if err != nil {
		log.Fatal(err)
	}
	h.Fire(obs.Event{
		Time:   time.Date(2026, 11, 28, 9, 15, 6, 0, time.UTC),
		Type:   obs.Detection,
		Stream: obs.Stream{Src: netip.MustParseAddrPort("192.0.2.1:4000"), Dst: netip.MustParseAddrPort("192.0.2.2:30000"), SSRC: 0x1a2b3c4d},
		Rule:   "free cruise", Kind: "phrase", Text: "free cruise", Confidence: 0.82, Action: "mute",
	})
	h.Close() // waits for the POST
	fmt.Printf("%+v\n", h.Stats())
	// Output:
	// POST /hangup {"time":"2026-11-28T09:15:06Z","type":"detection","stream":{"src":"192.0.2.1:4000","dst":"192.0.2.2:30000","ssrc":"0x1a2b3c4d"},"rule":"free cruise","kind":"phrase","text":"free cruise","confidence":0.82,"action":"mute","start_s":0,"end_s":0,"rtp_start":0,"rtp_end":0}
	// {ExecOK:0 ExecFailed:0 ExecTimeout:0 WebhookOK:1 WebhookFailed:0 WebhookTimeout:0 Dropped:0}
}
