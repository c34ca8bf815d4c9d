//go:build linux

package obs

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/florianl/go-nfqueue/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// helperEnv marks the re-executed test binary that runs inside a network
// namespace of its own.
const helperEnv = "OBS_TEST_IN_NETNS"

// TestKernelQueueFile binds a queue in a fresh network namespace, sends a
// packet through it, and reads the kernel's own nfnetlink_queue file with
// ParseQueues and the Collector. The namespace is made by unshare(1) for a
// child process and dies with it: nothing outlives the test, even when it
// fails. Needs root.
func TestKernelQueueFile(t *testing.T) {
	if os.Getenv(helperEnv) == "1" {
		t.Skip("runs in the parent only")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace and NFQUEUE")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare(1) not found")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "--net", os.Args[0], "-test.run=^TestKernelQueueFileInNetns$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper in a new network namespace: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestKernelQueueFileInNetns") {
		t.Fatalf("helper did not run:\n%s", out)
	}
	t.Logf("helper:\n%s", out)
}

// TestKernelQueueFileInNetns is the helper of TestKernelQueueFile.
func TestKernelQueueFileInNetns(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("run by TestKernelQueueFile inside a network namespace")
	}
	const queue, port = 7, 40999
	for _, argv := range [][]string{
		{"ip", "link", "set", "lo", "up"},
		{"iptables", "-w", "-A", "OUTPUT", "-p", "udp", "--dport", strconv.Itoa(port), "-j", "NFQUEUE", "--queue-num", strconv.Itoa(queue)},
	} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
	}
	before, err := os.ReadFile(DefaultProcPath)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if qs, err := ParseQueues(nil, before); err != nil || len(qs) != 0 {
		t.Fatalf("fresh namespace: queues %+v, err %v; want none", qs, err)
	}

	nf, err := nfqueue.Open(&nfqueue.Config{NfQueue: queue, MaxPacketLen: 0xffff, MaxQueueLen: 16, Copymode: nfqueue.NfQnlCopyPacket})
	if err != nil {
		t.Fatal(err)
	}
	defer nf.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := make(chan struct{}, 16)
	err = nf.RegisterWithErrorFunc(ctx, func(a nfqueue.Attribute) int {
		_ = nf.SetVerdict(*a.PacketID, nfqueue.NfAccept)
		seen <- struct{}{}
		return 0
	}, func(err error) int { t.Log(err); return 0 })
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("udp", ln.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const sent = 3
	for range sent {
		if _, err := conn.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		<-seen // queued and verdicted
		buf := make([]byte, 16)
		if _, _, err := ln.ReadFrom(buf); err != nil { // and delivered
			t.Fatal(err)
		}
	}

	b, err := os.ReadFile(DefaultProcPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s:\n%s", DefaultProcPath, b)
	qs, err := ParseQueues(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 {
		t.Fatalf("queues = %+v, want just %d", qs, queue)
	}
	q := qs[0]
	if q.Queue != queue || q.PortID == 0 || q.IDSequence != sent || q.Waiting != 0 || q.CopyMode != 2 || q.QueueDropped != 0 {
		t.Errorf("queue = %+v, want queue %d, a port id, id sequence %d, none waiting, copy mode 2, none dropped", q, queue, sent)
	}

	c, err := NewCollector(CollectorConfig{Source: SourceFunc(func() Stats { return Stats{} }), Queues: []uint16{queue, queue + 1}})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	want := `
# HELP spitfilter_nfqueue_bound 1 when a reader is bound to the queue in the kernel, else 0.
# TYPE spitfilter_nfqueue_bound gauge
spitfilter_nfqueue_bound{queue="7"} 1
spitfilter_nfqueue_bound{queue="8"} 0
# HELP spitfilter_nfqueue_id_sequence Id of the last packet queued: packets queued since the reader bound, modulo 2^32.
# TYPE spitfilter_nfqueue_id_sequence counter
spitfilter_nfqueue_id_sequence{queue="7"} 3
# HELP spitfilter_nfqueue_read_errors_total Scrapes at which the kernel's nfnetlink_queue file could not be read or parsed.
# TYPE spitfilter_nfqueue_read_errors_total counter
spitfilter_nfqueue_read_errors_total 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"spitfilter_nfqueue_bound", "spitfilter_nfqueue_id_sequence", "spitfilter_nfqueue_read_errors_total"); err != nil {
		t.Error(err)
	}
}
