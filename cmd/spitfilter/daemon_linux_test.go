//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/cmd/internal/speech"
	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/spotter"
)

// The integration tests build two network namespaces joined by a veth
// pair: an RTP sender in one; in the other a UDP receiver, an iptables rule
// sending the RTP port to NFQUEUE with --queue-bypass (INPUT path, as on a
// media host) and the daemon, with real PocketSphinx.

const (
	labQueue  = 7
	labPort   = 10020
	spamText  = "Hello, this is an important message about your car warranty. Please stay on the line. Press one to speak to an agent now."
	cleanText = "Hi Anna, it is Tom. I will be home late tonight, so please start dinner without me. See you soon."
)

var (
	labSender   = [4]byte{10, 77, 0, 1}
	labReceiver = [4]byte{10, 77, 0, 2}
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes network namespaces, iptables rules and an NFQUEUE listener")
	}
	for _, tool := range []string{"ip", "iptables", "flite", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install it (make deps)", tool)
		}
	}
}

type netLab struct {
	a, b string // sender and receiver namespaces
}

func sh(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// sweepDeadLabs removes the namespaces of labs whose test process is gone:
// a test binary that crashed or was killed could not run its cleanup. A
// lab is named sfd-PID-N-a/b; one whose PID is alive (or reused by another
// process) is left alone.
func sweepDeadLabs(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return // no namespace yet
	}
	for _, e := range entries {
		f := strings.Split(e.Name(), "-")
		if len(f) != 4 || f[0] != "sfd" || (f[3] != "a" && f[3] != "b") {
			continue
		}
		pid, err := strconv.Atoi(f[1])
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			continue // alive, or not ours to judge
		}
		if out, err := exec.Command("ip", "netns", "del", e.Name()).CombinedOutput(); err != nil {
			t.Logf("removing %s, left by process %d that is gone: %v %s", e.Name(), pid, err, out)
		}
	}
}

// newNetLab makes the namespaces and the queue rule; t.Cleanup removes them.
// The namespaces of earlier test processes that died are removed first.
func newNetLab(t *testing.T) *netLab {
	t.Helper()
	sweepDeadLabs(t)
	n := fmt.Sprintf("sfd-%d-%d", os.Getpid(), time.Now().UnixNano()%100000)
	l := &netLab{a: n + "-a", b: n + "-b"}
	for _, ns := range []string{l.a, l.b} {
		sh(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	ia, ib := fmt.Sprintf("sfd%da", os.Getpid()%100000), fmt.Sprintf("sfd%db", os.Getpid()%100000)
	sh(t, "ip", "link", "add", ia, "netns", l.a, "type", "veth", "peer", "name", ib, "netns", l.b)
	sh(t, "ip", "-n", l.a, "addr", "add", "10.77.0.1/30", "dev", ia)
	sh(t, "ip", "-n", l.b, "addr", "add", "10.77.0.2/30", "dev", ib)
	for _, c := range [][]string{{l.a, ia}, {l.b, ib}, {l.a, "lo"}, {l.b, "lo"}} {
		sh(t, "ip", "-n", c[0], "link", "set", c[1], "up")
	}
	// the rules spitfilter rules prints for this port, queue and mark (its IPv4 iptables lines)
	var rules strings.Builder
	writeRules(&rules, rtpflow.Ports{{Lo: labPort, Hi: labPort}}, config.QueueRange{First: labQueue, Last: labQueue}, true, 0x5350)
	for _, line := range strings.Split(rules.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "iptables" {
			sh(t, append([]string{"ip", "netns", "exec", l.b, "iptables", "-w"}, f[1:]...)...)
		}
	}
	// count the packets that leave the queue with the mark, and those whose
	// connection carries it (security runs after mangle and filter)
	for _, m := range [][]string{{"-m", "mark", "--mark", "0x5350"}, {"-m", "connmark", "--mark", "0x5350"}} {
		sh(t, append([]string{"ip", "netns", "exec", l.b, "iptables", "-w", "-t", "security", "-A", "INPUT", "-p", "udp",
			"--dport", strconv.Itoa(labPort)}, m...)...)
	}
	return l
}

// inNS runs fn on a fresh OS thread in namespace ns; the thread is never
// unlocked, so it dies with fn. Sockets made by fn stay in ns.
func inNS(t *testing.T, ns string, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + ns)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	if err := <-errc; err != nil {
		t.Fatalf("in namespace %s: %v", ns, err)
	}
}

func (l *netLab) netFile(t *testing.T, name string) string {
	var b []byte
	inNS(t, l.b, func() (err error) {
		b, err = os.ReadFile("/proc/thread-self/net/" + name)
		return err
	})
	return string(b)
}

// queueCounters reads the kernel's line for the lab queue:
// waiting, queue_dropped, user_dropped, id_sequence.
func (l *netLab) queueCounters(t *testing.T) (waiting, dropped, userDropped, seq uint64, ok bool) {
	for _, line := range strings.Split(l.netFile(t, "netfilter/nfnetlink_queue"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 8 && f[0] == strconv.Itoa(labQueue) {
			n := func(i int) uint64 { v, _ := strconv.ParseUint(f[i], 10, 64); return v }
			return n(2), n(5), n(6), n(7), true
		}
	}
	return 0, 0, 0, 0, false
}

// udpCsumErrors is the receiver namespace's Udp InCsumErrors.
func (l *netLab) udpCsumErrors(t *testing.T) uint64 {
	lines := strings.Split(l.netFile(t, "snmp"), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.HasPrefix(lines[i], "Udp:") && strings.HasPrefix(lines[i+1], "Udp:") {
			h, v := strings.Fields(lines[i]), strings.Fields(lines[i+1])
			for k := range h {
				if h[k] == "InCsumErrors" && k < len(v) {
					n, _ := strconv.ParseUint(v[k], 10, 64)
					return n
				}
			}
		}
	}
	t.Fatal("no Udp InCsumErrors in /proc/net/snmp")
	return 0
}

// markCount reads the security-table counter of marked packets, or with
// conn, of packets whose connection carries the mark.
func (l *netLab) markCount(t *testing.T, conn bool) uint64 {
	match := "mark match 0x5350"
	if conn {
		match = "connmark match  0x5350"
	}
	out := sh(t, "ip", "netns", "exec", l.b, "iptables", "-w", "-t", "security", "-L", "INPUT", "-v", "-x", "-n")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, match) && (conn || !strings.Contains(line, "connmark")) {
			n, _ := strconv.ParseUint(strings.Fields(line)[0], 10, 64)
			return n
		}
	}
	t.Fatalf("no mark rule in:\n%s", out)
	return 0
}

// receiver collects every datagram to labPort in the receiver namespace.
type receiver struct {
	fd   int
	quit atomic.Bool
	mu   sync.Mutex
	got  [][]byte
	done chan struct{}
}

func (l *netLab) receive(t *testing.T) *receiver {
	r := &receiver{fd: -1, done: make(chan struct{})}
	inNS(t, l.b, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		r.fd = fd
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 16<<20)
		tv := unix.Timeval{Usec: 50_000}
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		return unix.Bind(fd, &unix.SockaddrInet4{Port: labPort, Addr: labReceiver})
	})
	go func() {
		defer close(r.done)
		buf := make([]byte, 65536)
		for !r.quit.Load() {
			n, _, err := unix.Recvfrom(r.fd, buf, 0)
			if err == unix.EAGAIN || err == unix.EINTR {
				continue
			}
			if err != nil {
				return
			}
			r.mu.Lock()
			r.got = append(r.got, append([]byte(nil), buf[:n]...))
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() { r.quit.Store(true); <-r.done; unix.Close(r.fd) })
	return r
}

// settle waits until no datagram arrived for a while, and returns them all.
func (r *receiver) settle(want int) [][]byte {
	last, stable := -1, 0
	for stable < 5 {
		time.Sleep(100 * time.Millisecond)
		r.mu.Lock()
		n := len(r.got)
		r.mu.Unlock()
		if n == last || n >= want && stable > 0 {
			stable++
		} else {
			stable = 0
		}
		last = n
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

// sender sends from a port of the sender namespace to the receiver.
func (l *netLab) sender(t *testing.T, port int) int {
	fd := -1
	inNS(t, l.a, func() error {
		var err error
		if fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
			return err
		}
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 8<<20)
		if err := unix.Bind(fd, &unix.SockaddrInet4{Port: port, Addr: labSender}); err != nil {
			return err
		}
		return unix.Connect(fd, &unix.SockaddrInet4{Port: labPort, Addr: labReceiver})
	})
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// call is one RTP stream to send: 20 ms PCMU packets of clip.
func call(clip []byte, ssrc uint32) [][]byte {
	var pkts [][]byte
	for i := 0; i*160 < len(clip); i++ {
		p := make([]byte, 160)
		for k := range p {
			p[k] = 0xFF
		}
		copy(p, clip[i*160:])
		pkts = append(pkts, rtp(0, uint16(1000+i), uint32(8000+i*160), ssrc, p))
	}
	return pkts
}

// send sends the packets at real-time pace (20 ms each); after runs after
// packet i when not nil.
func send(t *testing.T, fd int, pkts [][]byte, after func(i int)) {
	start := time.Now()
	for i, p := range pkts {
		if d := time.Until(start.Add(time.Duration(i) * 20 * time.Millisecond)); d > 0 {
			time.Sleep(d)
		}
		if _, err := unix.Write(fd, p); err != nil {
			t.Errorf("send packet %d: %v", i, err)
			return
		}
		if after != nil {
			after(i)
		}
	}
}

var (
	clipOnce sync.Once
	clips    map[string][]byte
	clipErr  error
)

// speak synthesises text with flite's rms voice as 8 kHz µ-law, with half
// a second of silence before it.
func speak(t *testing.T) map[string][]byte {
	clipOnce.Do(func() {
		clips = map[string][]byte{}
		dir, err := os.MkdirTemp("", "spitfilter-clips")
		if err != nil {
			clipErr = err
			return
		}
		defer os.RemoveAll(dir)
		for name, text := range map[string]string{"spam": spamText, "clean": cleanText} {
			wav, ul := filepath.Join(dir, name+".wav"), filepath.Join(dir, name+".ul")
			if out, err := exec.Command("flite", "-voice", "rms", "-t", text, "-o", wav).CombinedOutput(); err != nil {
				clipErr = fmt.Errorf("flite: %v: %s", err, out)
				return
			}
			if out, err := exec.Command("sox", wav, "-r", "8000", "-c", "1", "-t", "raw", "-e", "u-law", ul, "pad", "0.5", "0.5").CombinedOutput(); err != nil {
				clipErr = fmt.Errorf("sox: %v: %s", err, out)
				return
			}
			if clips[name], err = os.ReadFile(ul); err != nil {
				clipErr = err
				return
			}
		}
	})
	if clipErr != nil {
		t.Fatal(clipErr)
	}
	return clips
}

var (
	engineOnce sync.Once
	engine     spotter.Engine
	engineErr  error
)

func pocketSphinx(t testing.TB) spotter.Engine {
	t.Helper()
	engineOnce.Do(func() {
		var o *speech.Opened
		o, engineErr = speech.Open(speech.Settings{Engine: "pocketsphinx"})
		if o != nil {
			engine = o
		}
	})
	if engineErr != nil {
		t.Fatalf("PocketSphinx: %v (make deps installs it)", engineErr)
	}
	return engine
}

type eventLog struct {
	mu sync.Mutex
	ev []event
}

func (e *eventLog) emit(ev event) { e.mu.Lock(); e.ev = append(e.ev, ev); e.mu.Unlock() }
func (e *eventLog) all() []event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]event(nil), e.ev...)
}

// startDaemon runs the daemon (runDaemon) with yaml added to the lab's
// queue and port, until the test ends or stop is called.
func (l *netLab) startDaemon(t *testing.T, yaml string) (d *daemon, ev *eventLog, stop func()) {
	t.Helper()
	// Keyword spotting: these tests are about the packet path, and it keeps
	// the analysis far ahead of real time on a loaded machine (full
	// recognition is tested in spotter/pocketsphinx, cmd/spitcheck and
	// testdata/voiplab).
	cfg, err := config.Parse("lab.yaml", []byte(fmt.Sprintf("mode: keyword\nqueue: %q\nrtp_ports: %d\n%s", strconv.Itoa(labQueue), labPort, yaml)))
	if err != nil {
		t.Fatal(err)
	}
	return l.runDaemon(t, cfg, slog.LevelInfo, 0, RecognizersInline)
}

// runDaemon runs the daemon for cfg in-process, its queue socket opened in
// the receiver namespace, with workers analysis workers (0: the default),
// its recognizers where recs says (inline: the tests' shared engine; process:
// a recognizer process, this test binary), until the test ends or stop is
// called. It returns once the kernel lists the queue as bound.
func (l *netLab) runDaemon(t *testing.T, cfg *config.Config, level slog.Level, workers int, recs Recognizers) (d *daemon, ev *eventLog, stop func()) {
	t.Helper()
	ns, err := os.Open("/run/netns/" + l.b)
	if err != nil {
		t.Fatal(err)
	}
	ev = &eventLog{}
	o := daemonOptions{
		Log:  slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level})),
		Emit: ev.emit, NetNS: int(ns.Fd()), Workers: workers,
		// batch, not the default idle: a test machine runs compilers and
		// other tests beside, and these tests check detection
		AnalysisPriority: AnalysisBatch,
	}
	if recs == RecognizersProcess {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		o.RecognizerArgv, o.RecognizerStderr = recognizerArgv(exe, string(cfg.Engine), cfg.Model, ""), testWriter{t}
	} else {
		o.Engine = pocketSphinx(t)
	}
	d, err = newDaemon(cfg, o)
	if err != nil {
		ns.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("daemon: %v", err)
			}
			d.Close()
			ns.Close()
		})
	}
	t.Cleanup(stop)
	// ready when the kernel lists the queue as bound
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, _, _, _, ok := l.queueCounters(t); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("queue never bound")
		}
	}
	// The tests' calls get the spare recognizers made at start. A wait,
	// not a timing: the warm-up runs beside the open queue.
	select {
	case <-d.warm:
	case <-time.After(2 * time.Minute):
		t.Fatal("spare recognizers never made")
	}
	return d, ev, stop
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func seqOf(p []byte) uint16 { return binary.BigEndian.Uint16(p[2:]) }
func tsOf(p []byte) uint32  { return binary.BigEndian.Uint32(p[4:]) }
func ssrcOf(p []byte) uint32 {
	return binary.BigEndian.Uint32(p[8:])
}

func allSilence(p []byte) bool {
	for _, b := range p[12:] {
		if b != 0xFF {
			return false
		}
	}
	return true
}

func TestDaemonKernel(t *testing.T) {
	requireRoot(t)
	clips := speak(t)
	l := newNetLab(t)
	rx := l.receive(t)

	t.Run("clean call arrives byte-identical", func(t *testing.T) {
		d, ev, stop := l.startDaemon(t, "banned: [car warranty]\naction: mute\n")
		pkts := call(clips["clean"], 0xC1EA)
		send(t, l.sender(t, 4000), pkts, nil)
		got := rx.settle(len(pkts))
		want := time.Duration(len(pkts)-10) * 20 * time.Millisecond
		waitFor(30*time.Second, func() bool { return d.stats().Analysis.Audio >= want })
		stop()
		if len(got) != len(pkts) {
			t.Fatalf("received %d of %d packets", len(got), len(pkts))
		}
		for i := range pkts {
			if !bytes.Equal(got[i], pkts[i]) {
				t.Fatalf("packet %d changed", i)
			}
		}
		if e := ev.all(); len(e) != 0 {
			t.Errorf("events on a clean call: %+v", e)
		}
		if s := d.stats(); s.Queues[0].Packets != uint64(len(pkts)) || s.Analysis.Audio < time.Duration(len(pkts)-10)*20*time.Millisecond {
			t.Errorf("daemon judged %d packets and analysed %v of audio; want %d and all of it", s.Queues[0].Packets, s.Analysis.Audio, len(pkts))
		}
		// The spare recognizers (one per worker) were made at start,
		// and the call got one of them.
		if made, reused := d.recs.counts(); made != uint64(runtime.NumCPU()) || reused != 1 {
			t.Errorf("recognizers made %d, reused %d; want %d made at start and 1 reused", made, reused, runtime.NumCPU())
		}
	})

	t.Run("a BYE before the phrase hides nothing", func(t *testing.T) {
		// The sender sends an RTCP BYE for its own stream 0.2 s into the
		// call and talks on: the phrase is still heard and muted (until
		// 2026-12-05 the audio after a BYE went unanalysed).
		_, ev, stop := l.startDaemon(t, "banned: [car warranty]\naction: mute\n")
		const ssrc = 0xB1E5
		pkts := call(clips["spam"], ssrc)
		bye := []byte{0x81, 203, 0, 1, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(bye[4:], ssrc)
		fd := l.sender(t, 4000)
		send(t, fd, pkts, func(i int) {
			if i == 10 {
				if _, err := unix.Write(fd, bye); err != nil {
					t.Errorf("send the BYE: %v", err)
				}
			}
		})
		got := rx.settle(len(pkts) + 1)
		stop()
		var media [][]byte
		for _, p := range got {
			if len(p) > len(bye) {
				media = append(media, p)
			}
		}
		if len(media) != len(pkts) || len(got) != len(pkts)+1 {
			t.Fatalf("received %d datagrams, %d of them RTP; want the %d RTP packets and the BYE", len(got), len(media), len(pkts))
		}
		muted := 0
		for i := range pkts {
			if !bytes.Equal(media[i], pkts[i]) {
				if i <= 10 {
					t.Fatalf("packet %d, before the BYE, was changed", i)
				}
				muted++
			}
		}
		detected := false
		for _, e := range ev.all() {
			detected = detected || e.Event == eventDetection && e.Rule == "car warranty"
		}
		if !detected || muted < 25 {
			t.Fatalf("detected %v, %d packets muted after a BYE the sender talked on from; events %+v", detected, muted, ev.all())
		}
	})

	t.Run("spam call muted after the phrase", func(t *testing.T) {
		csum := l.udpCsumErrors(t)
		d, ev, stop := l.startDaemon(t, "banned: [car warranty]\naction: mute\n")
		pkts := call(clips["spam"], 0x5BA3)
		send(t, l.sender(t, 4000), pkts, nil)
		got := rx.settle(len(pkts))
		stop()
		if len(got) != len(pkts) {
			t.Fatalf("received %d of %d packets: a sequence gap (a bad checksum is dropped by the kernel)", len(got), len(pkts))
		}
		if n := l.udpCsumErrors(t) - csum; n != 0 {
			t.Errorf("%d UDP checksum errors at the receiver", n)
		}
		first := -1
		for i := range pkts {
			if seqOf(got[i]) != seqOf(pkts[i]) || tsOf(got[i]) != tsOf(pkts[i]) || len(got[i]) != len(pkts[i]) {
				t.Fatalf("packet %d: header or length changed", i)
			}
			if first < 0 && !bytes.Equal(got[i], pkts[i]) {
				first = i
			}
			if first >= 0 && !allSilence(got[i]) {
				t.Fatalf("packet %d after the first muted one (%d) is not silence", i, first)
			}
		}
		if first < 0 {
			t.Fatalf("nothing muted; events %+v", ev.all())
		}
		var det *event
		for _, e := range ev.all() {
			if e.Event == eventDetection && e.Rule == "car warranty" {
				det = &e
				break
			}
		}
		if det == nil {
			t.Fatalf("no detection event: %+v", ev.all())
		}
		mutedAt := float64(tsOf(pkts[first])-tsOf(pkts[0])) / 8000
		muted := 0
		for i := first; i < len(pkts); i++ {
			if !allSilence(pkts[i]) {
				muted++
			}
		}
		t.Logf("phrase ends at %.2f s of stream time, detected (partial=%v), first muted packet at %.2f s: detection->mute %.0f ms; %d of %d packets muted (%d of them carried speech)",
			det.EndS, det.Partial, mutedAt, (mutedAt-det.EndS)*1000, len(pkts)-first, len(pkts), muted)
		if muted < 25 {
			t.Errorf("only %d speech packets muted: the test would pass on silence", muted)
		}
		if s := d.stats().Enforce; s.Verdict(enforce.Mute) != uint64(len(pkts)-first) {
			t.Errorf("enforcer counted %d mute verdicts, receiver saw %d muted packets", s.Verdict(enforce.Mute), len(pkts)-first)
		}
	})

	t.Run("spam call dropped in drop mode", func(t *testing.T) {
		d, _, stop := l.startDaemon(t, "banned: [car warranty]\naction: drop\n")
		pkts := call(clips["spam"], 0xD50B)
		send(t, l.sender(t, 4000), pkts, nil)
		got := rx.settle(len(pkts))
		stop()
		drops := d.stats().Enforce.Verdict(enforce.Drop)
		if drops == 0 || len(got)+int(drops) != len(pkts) {
			t.Fatalf("received %d, dropped %d, sent %d", len(got), drops, len(pkts))
		}
		for i := range got {
			if !bytes.Equal(got[i], pkts[i]) {
				t.Fatalf("packet %d: not the first %d packets unchanged", i, len(got))
			}
		}
		t.Logf("dropped the last %d of %d packets (from %.2f s)", drops, len(pkts), float64(len(got))*0.02)
	})

	t.Run("spam call marked in mark mode", func(t *testing.T) {
		before, connBefore := l.markCount(t, false), l.markCount(t, true)
		d, _, stop := l.startDaemon(t, "banned: [car warranty]\naction: mark\nmark: 0x5350\n")
		pkts := call(clips["spam"], 0x3A4C)
		send(t, l.sender(t, 4000), pkts, nil)
		got := rx.settle(len(pkts))
		stop()
		marked := l.markCount(t, false) - before
		if want := d.stats().Enforce.Verdict(enforce.Mark); marked == 0 || marked != want {
			t.Fatalf("kernel counted %d marked packets, enforcer %d", marked, want)
		}
		// spitfilter rules' CONNMARK rule put the mark on the connection
		conn := l.markCount(t, true) - connBefore
		if conn != marked {
			t.Errorf("%d packets of a connection with the mark, want the %d marked", conn, marked)
		}
		if len(got) != len(pkts) {
			t.Fatalf("received %d of %d", len(got), len(pkts))
		}
		for i := range got {
			if !bytes.Equal(got[i], pkts[i]) {
				t.Fatalf("marked packet %d changed", i)
			}
		}
		t.Logf("%d of %d packets marked 0x5350, %d seen with it as their connection's mark", marked, len(pkts), conn)
	})

	t.Run("injected spam from another source mutes nobody else", func(t *testing.T) {
		_, ev, stop := l.startDaemon(t, "banned: [car warranty]\naction: mute\n")
		legit := call(clips["clean"], 0x1E61)
		inj := call(clips["spam"], 0x1E61) // same SSRC, another source port
		fl, fi := l.sender(t, 4000), l.sender(t, 4002)
		send(t, fl, legit, func(i int) {
			if i < len(inj) {
				unix.Write(fi, inj[i])
			}
		})
		for i := len(legit); i < len(inj); i++ {
			unix.Write(fi, inj[i])
		}
		got := rx.settle(len(legit) + len(inj))
		waitFor(30*time.Second, func() bool {
			for _, e := range ev.all() {
				if e.Event == eventDetection {
					return true
				}
			}
			return false
		})
		stop()
		if len(got) != len(legit)+len(inj) {
			t.Fatalf("received %d of %d", len(got), len(legit)+len(inj))
		}
		// every packet of the legitimate stream came through unchanged
		n := 0
		for _, p := range got {
			if i := int(seqOf(p)) - 1000; i < len(legit) && bytes.Equal(p, legit[i]) {
				n++
			}
		}
		if n < len(legit) {
			t.Errorf("%d of %d legitimate packets arrived unchanged", n, len(legit))
		}
		var dets int
		for _, e := range ev.all() {
			if e.Event == eventDetection {
				dets++
				if e.Src != "10.77.0.1:4002" {
					t.Errorf("detection on %s, want only the injecting source 10.77.0.1:4002", e.Src)
				}
			}
		}
		if dets == 0 {
			t.Errorf("the injected spam was not detected on its own stream")
		}
	})

	t.Run("malformed burst all verdicted", func(t *testing.T) {
		d, _, stop := l.startDaemon(t, "banned: [car warranty]\n")
		_, _, _, seq0, _ := l.queueCounters(t)
		fd := l.sender(t, 4004)
		const n = 2000
		var sent [][]byte
		for i := range n {
			p := make([]byte, i%200)
			for k := range p {
				p[k] = byte(i*31 + k*7)
			}
			if len(p) > 0 {
				p[0] = byte(i) &^ 0x80 // never RTP version 2
			}
			sent = append(sent, p)
			if _, err := unix.Write(fd, p); err != nil {
				t.Fatal(err)
			}
		}
		got := rx.settle(n)
		waiting, dropped, userDropped, seq, _ := l.queueCounters(t)
		s := d.stats()
		stop()
		if len(got) != n {
			t.Errorf("received %d of %d", len(got), n)
		}
		if waiting != 0 || dropped != 0 || userDropped != 0 || seq-seq0 != n {
			t.Errorf("kernel queue: %d waiting, %d dropped, %d user-dropped, %d queued; want 0, 0, 0, %d", waiting, dropped, userDropped, seq-seq0, n)
		}
		if s.Queues[0].Packets != n || s.Enforce.Verdict(enforce.Accept) != n {
			t.Errorf("daemon judged %d, accepted %d; want %d", s.Queues[0].Packets, s.Enforce.Verdict(enforce.Accept), n)
		}
		t.Logf("burst of %d malformed datagrams: %d judged, %d accepted (no stream %d), kernel queue empty", n, s.Queues[0].Packets,
			s.Enforce.Verdict(enforce.Accept), s.Enforce.Reason(enforce.ReasonNoStream))
	})

	t.Run("queue opens before the recognizers; an engine that makes none stops the daemon; a stop waits little for one", func(t *testing.T) {
		cfg, err := config.Parse("warm.yaml", []byte(fmt.Sprintf("banned: [car warranty]\nqueue: %q\nrtp_ports: %d\n", strconv.Itoa(labQueue), labPort)))
		if err != nil {
			t.Fatal(err)
		}
		ns, err := os.Open("/run/netns/" + l.b)
		if err != nil {
			t.Fatal(err)
		}
		defer ns.Close()
		// run starts a daemon whose recognizers wait for e's gate, and
		// reports whether its queue got bound within 10 s.
		run := func(ctx context.Context, e *gatedEngine) (done chan error, opened bool) {
			d, err := newDaemon(cfg, daemonOptions{Engine: e, NetNS: int(ns.Fd())})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			done = make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			for deadline := time.Now().Add(10 * time.Second); !opened && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				_, _, _, _, opened = l.queueCounters(t)
			}
			return done, opened
		}
		e := &gatedEngine{gate: make(chan struct{})}
		done, opened := run(context.Background(), e)
		close(e.gate) // the recognizers fail only now
		var runErr error
		select {
		case runErr = <-done:
		case <-time.After(time.Minute):
			t.Fatal("the daemon ran on without recognizers")
		}
		if !opened {
			t.Error("the queue was not bound while the recognizers were being made")
		}
		if runErr == nil || !strings.Contains(runErr.Error(), "making the analysis's recognizers: no recognizer") {
			t.Errorf("Run: %v; want the warm-up's error", runErr)
		}
		if _, _, _, _, bound := l.queueCounters(t); bound {
			t.Error("the queue is still bound after the daemon stopped")
		}

		// A stop while a recognizer is being made waits warmerWait at most.
		defer func(w time.Duration) { warmerWait = w }(warmerWait)
		warmerWait = 200 * time.Millisecond
		stuck := &gatedEngine{gate: make(chan struct{})}
		defer close(stuck.gate)
		ctx, cancel := context.WithCancel(context.Background())
		done, _ = run(ctx, stuck)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run stopped while a recognizer was being made: %v", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("the stop waited for the recognizer being made")
		}
	})
}

// gatedEngine makes no recognizer, and says so once gate is closed.
type gatedEngine struct {
	countingEngine
	gate chan struct{}
}

func (e *gatedEngine) NewRecognizer(spotter.Vocabulary) (spotter.Recognizer, error) {
	<-e.gate
	return nil, errors.New("no recognizer")
}

// lineCollector reads r's lines until EOF: the first result returns them so
// far, the channel is closed at EOF.
func lineCollector(r io.Reader) (func() string, chan struct{}) {
	var mu sync.Mutex
	var b strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			mu.Lock()
			b.WriteString(sc.Text() + "\n")
			mu.Unlock()
		}
	}()
	return func() string { mu.Lock(); defer mu.Unlock(); return b.String() }, done
}

// TestHelperDaemon is not a test: TestDaemonKillAndReload runs the test
// binary as "spitfilter run" through it, in the receiver namespace.
func TestHelperDaemon(t *testing.T) {
	path := os.Getenv("SPITFILTER_HELPER_DAEMON")
	if path == "" {
		t.Skip("helper process for TestDaemonKillAndReload")
	}
	// batch: see runDaemon
	os.Exit(run([]string{"run", "--config", path, "--analysis-priority", "batch"}, os.Stdout, os.Stderr))
}

// TestDaemonKillAndReload runs the daemon as a process: SIGHUP with a bad
// config keeps the running one, with a good one puts new rules in force for
// the call in progress; the recognizer process killed early in the call is
// started again and the phrase is still heard; SIGKILL mid-call, and
// --queue-bypass lets the rest of the call through unjudged, and the
// recognizer process ends with the daemon.
func TestDaemonKillAndReload(t *testing.T) {
	requireRoot(t)
	clips := speak(t)
	l := newNetLab(t)
	rx := l.receive(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "spitfilter.yaml")
	write := func(banned string) {
		// Keyword spotting, as in startDaemon: the test is about reloads
		// and the kill. With full recognition, on a machine loaded with
		// other tests, the phrase was heard too late to leave half a
		// second of muting before the end of the call.
		y := fmt.Sprintf("engine: pocketsphinx\nmode: keyword\nqueue: %q\nrtp_ports: %d\nmetrics: \"\"\nevents: \"-\"\nbanned: [%s]\naction: mute\n", strconv.Itoa(labQueue), labPort, banned)
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("free cruise")
	cmd := exec.Command("ip", "netns", "exec", l.b, os.Args[0], "-test.run=^TestHelperDaemon$")
	cmd.Env = append(os.Environ(), "SPITFILTER_HELPER_DAEMON="+path)
	// The daemon dies with the test, even when the test binary is killed
	// before its cleanup runs (a timeout). Pdeathsig fires when the thread
	// that forked the daemon exits, not the process, and the Go runtime
	// ends threads (one whose locked goroutine has ended, as inNS's do):
	// about every other run lost its daemon mid-call to it. This goroutine
	// keeps the forking thread until the test ends.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid // ip netns exec execs the binary: this is the daemon
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
		}
		cmd.Wait()
	})
	logs, logsDone := lineCollector(stderr)
	events, _ := lineCollector(stdout)
	waitLog := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(logs(), what); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("daemon never logged %q:\n%s", what, logs())
			}
		}
	}
	waitLog("msg=ready")

	write("car warrantyy") // not a word the model knows
	unix.Kill(pid, unix.SIGHUP)
	waitLog("msg=\"reload failed\"")
	write("car warranty")
	unix.Kill(pid, unix.SIGHUP)
	waitLog("msg=reloaded")

	rec := childOf(t, pid) // the recognizer process
	// It was forked from a thread at the analysis priority (batch here):
	// all its threads have it.
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", rec))
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/sched", rec, task.Name()))
		if err != nil {
			continue // a thread that ended
		}
		if !regexp.MustCompile(`(?m)^policy\s+:\s+3$`).Match(b) { // SCHED_BATCH
			t.Errorf("recognizer process %d, thread %s, not SCHED_BATCH:\n%s", rec, task.Name(), b)
		}
	}
	if len(tasks) < 2 {
		t.Errorf("recognizer process %d has %d threads", rec, len(tasks))
	}
	// and without capabilities, though the daemon runs as root
	wantNoCapabilities(t, rec, "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
	pkts := call(clips["spam"], 0x4B11)
	killAt, mutedFrom := -1, -1
	send(t, l.sender(t, 4000), pkts, func(i int) {
		if i == 10 { // 0.2 s into the call, before the phrase
			if err := unix.Kill(rec, unix.SIGKILL); err != nil {
				t.Errorf("kill the recognizer process %d: %v", rec, err)
			}
		}
		if killAt >= 0 || i < 100 {
			return
		}
		rx.mu.Lock()
		muted := len(rx.got) > 0 && allSilence(rx.got[len(rx.got)-1])
		rx.mu.Unlock()
		if muted && mutedFrom < 0 {
			mutedFrom = i
		}
		if mutedFrom >= 0 && i >= mutedFrom+25 { // a half second of muting, then the kill
			killAt = i
			if err := cmd.Process.Kill(); err != nil {
				t.Errorf("kill %d: %v", pid, err)
			}
			killed = true
		}
	})
	got := rx.settle(len(pkts))
	<-logsDone
	if killAt < 0 {
		t.Fatalf("never muted, so never killed; log:\n%s\nevents:\n%s", logs(), events())
	}
	if !strings.Contains(events(), `"type":"detection"`) || !strings.Contains(events(), `"type":"reload_failed"`) {
		t.Errorf("event lines lack the detection or the refused reload:\n%s", events())
	}
	if !strings.Contains(logs(), "banned words the model cannot recognise") {
		t.Errorf("the refused reload does not say why:\n%s", logs())
	}
	if !strings.Contains(logs(), `msg="recognizer process ended`) || strings.Count(logs(), `msg="recognizer process started"`) != 2 {
		t.Errorf("the recognizer process's end and new start are not logged:\n%s", logs())
	}
	// The daemon's end closes the recognizer process's control socket:
	// the process it started last ends too.
	last := childGone(t, logs())
	t.Logf("recognizer process %d killed mid-call, started again as %d, which ended with the daemon", rec, last)
	bySeq := map[uint16][]byte{}
	for _, p := range got {
		bySeq[seqOf(p)] = p
	}
	muted, after := 0, 0
	for i, p := range pkts {
		g, ok := bySeq[seqOf(p)]
		switch {
		case i <= killAt && ok && allSilence(g) && !allSilence(p):
			muted++
		case i > killAt+2: // sent after the kill had taken effect
			if !ok || !bytes.Equal(g, p) {
				t.Fatalf("packet %d, sent after the daemon was killed at packet %d, did not pass unchanged (received: %v)", i, killAt, ok)
			}
			after++
		}
	}
	if muted < 20 || after < 25 {
		t.Fatalf("%d packets muted before the kill, %d passed after it; want both", muted, after)
	}
	t.Logf("reload put the new rule in force; %d packets muted, daemon killed at packet %d, the %d packets after it passed unjudged; %d of %d received (packets waiting in the queue at the kill are dropped by the kernel)",
		muted, killAt, after, len(got), len(pkts))
}

// childOf is the one child process of pid, waiting up to 10 s for it.
func childOf(t *testing.T, pid int) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var kids []int
		dirs, _ := os.ReadDir("/proc")
		for _, d := range dirs {
			p, err := strconv.Atoi(d.Name())
			if err != nil {
				continue
			}
			b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
			if err != nil {
				continue
			}
			// pid (comm) state ppid ...: comm may hold spaces, not ")"
			f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
			if len(f) > 1 && f[1] == strconv.Itoa(pid) {
				kids = append(kids, p)
			}
		}
		if len(kids) == 1 {
			return kids[0]
		}
		if len(kids) > 1 {
			t.Fatalf("process %d has %d children, want one: %v", pid, len(kids), kids)
		}
	}
	t.Fatalf("process %d started no child in 10 s", pid)
	return 0
}

// childGone finds the pid of the last recognizer process the daemon's log
// names, and wants it gone within 5 s.
func childGone(t *testing.T, log string) int {
	t.Helper()
	i := strings.LastIndex(log, `msg="recognizer process started" pid=`)
	if i < 0 {
		t.Fatalf("no recognizer process in the log:\n%s", log)
	}
	f := strings.Fields(log[i+len(`msg="recognizer process started" pid=`):])
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		t.Fatalf("recognizer process pid %q: %v", f[0], err)
	}
	for deadline := time.Now().Add(5 * time.Second); unix.Kill(pid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			unix.Kill(pid, unix.SIGKILL)
			t.Errorf("recognizer process %d outlived its daemon by 5 s", pid)
			break
		}
	}
	return pid
}

// waitFor polls cond every 50 ms until it holds or timeout passes: the
// analysis may still be catching up with audio that has been verdicted.
func waitFor(timeout time.Duration, cond func() bool) {
	for end := time.Now().Add(timeout); !cond() && time.Now().Before(end); {
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSweepDeadLabs: a lab left by a test process that is gone is removed;
// one whose process lives is kept.
func TestSweepDeadLabs(t *testing.T) {
	requireRoot(t)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := fmt.Sprintf("sfd-%d-1-a", gone.Process.Pid)
	alive := fmt.Sprintf("sfd-%d-1-a", os.Getppid())
	for _, ns := range []string{dead, alive} {
		sh(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	sweepDeadLabs(t)
	if _, err := os.Stat("/run/netns/" + dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s, of a process that is gone, is still there (%v)", dead, err)
	}
	if _, err := os.Stat("/run/netns/" + alive); err != nil {
		t.Errorf("%s, of a live process, was removed: %v", alive, err)
	}
}
