//go:build linux

package fastbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Lab addresses: RFC 2544's benchmarking range, private to the lab's namespaces.
var (
	senderAddr   = [4]byte{198, 18, 0, 1}
	receiverAddr = [4]byte{198, 18, 0, 2}
)

const (
	senderMAC   = "02:5f:62:00:00:01"
	receiverMAC = "02:5f:62:00:00:02"
	senderIf    = "sfb-a"
	receiverIf  = "sfb-b"
)

// lab is the two namespaces, the veth pair between them, the queue rule,
// and the sockets the rig sends and receives on. Close removes all of it.
type lab struct {
	log      *slog.Logger
	nsA, nsB string // namespace names under /run/netns
	made     []string
	port     int    // judged port; port+1 is the baseline
	queue    uint16 // NFQUEUE number
	// sockets: send[kindJudged] in nsA sends from port+1 (queued),
	// send[kindBaseline] from port+2 (not queued), both to recv in nsB, bound to port.
	send [2]int
	recv int
}

// newLab builds the lab. Its names carry the process id so that two rigs
// can run at once; on error everything made so far is removed.
func newLab(ctx context.Context, log *slog.Logger, port int, queue uint16) (_ *lab, err error) {
	pid := os.Getpid()
	l := &lab{
		log:   log,
		nsA:   fmt.Sprintf("sfb-%d-a", pid),
		nsB:   fmt.Sprintf("sfb-%d-b", pid),
		port:  port,
		queue: queue,
		send:  [2]int{-1, -1},
		recv:  -1,
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, l.Close())
		}
	}()
	for _, ns := range []string{l.nsA, l.nsB} {
		if err := run(ctx, "ip", "netns", "add", ns); err != nil {
			return nil, err
		}
		l.made = append(l.made, ns)
	}
	steps := [][]string{
		{"ip", "link", "add", senderIf, "address", senderMAC, "netns", l.nsA, "type", "veth",
			"peer", "name", receiverIf, "address", receiverMAC, "netns", l.nsB},
		{"ip", "-n", l.nsA, "addr", "add", ip4(senderAddr) + "/30", "dev", senderIf},
		{"ip", "-n", l.nsB, "addr", "add", ip4(receiverAddr) + "/30", "dev", receiverIf},
		{"ip", "-n", l.nsA, "link", "set", "lo", "up"},
		{"ip", "-n", l.nsB, "link", "set", "lo", "up"},
		{"ip", "-n", l.nsA, "link", "set", senderIf, "up"},
		{"ip", "-n", l.nsB, "link", "set", receiverIf, "up"},
		// static neighbours: no ARP during a run
		{"ip", "-n", l.nsA, "neigh", "replace", ip4(receiverAddr), "lladdr", receiverMAC, "dev", senderIf, "nud", "permanent"},
		{"ip", "-n", l.nsB, "neigh", "replace", ip4(senderAddr), "lladdr", senderMAC, "dev", receiverIf, "nud", "permanent"},
		{"ip", "netns", "exec", l.nsB, "iptables", "-w", "-A", "INPUT", "-p", "udp", "--dport", strconv.Itoa(port), "--sport", strconv.Itoa(port + 1),
			"-j", "NFQUEUE", "--queue-num", strconv.Itoa(int(queue)), "--queue-bypass"},
	}
	for _, s := range steps {
		if err := run(ctx, s[0], s[1:]...); err != nil {
			return nil, err
		}
	}
	dst := unix.SockaddrInet4{Port: port, Addr: receiverAddr}
	if err := inNetns(l.nsB, func() error {
		fd, err := udpSocket()
		if err != nil {
			return err
		}
		l.recv = fd
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 32<<20); err != nil {
			return fmt.Errorf("receiver port %d: SO_RCVBUFFORCE: %w", port, err)
		}
		tv := unix.Timeval{Usec: 50_000}
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return fmt.Errorf("receiver port %d: SO_RCVTIMEO: %w", port, err)
		}
		if err := unix.Bind(fd, &dst); err != nil {
			return fmt.Errorf("receiver: bind %s:%d: %w", ip4(receiverAddr), port, err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for k := range 2 {
		src := unix.SockaddrInet4{Port: port + 1 + k, Addr: senderAddr}
		if err := inNetns(l.nsA, func() error {
			fd, err := udpSocket()
			if err != nil {
				return err
			}
			l.send[k] = fd
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 8<<20); err != nil {
				return fmt.Errorf("sender: SO_SNDBUFFORCE: %w", err)
			}
			if err := unix.Bind(fd, &src); err != nil {
				return fmt.Errorf("sender: bind %s:%d: %w", ip4(senderAddr), src.Port, err)
			}
			if err := unix.Connect(fd, &dst); err != nil {
				return fmt.Errorf("sender: connect %s:%d: %w", ip4(receiverAddr), port, err)
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	log.Info("lab ready", "sender_ns", l.nsA, "receiver_ns", l.nsB, "port", port, "queued_from", port+1, "baseline_from", port+2, "queue", queue)
	return l, nil
}

// Close closes the sockets and deletes the namespaces, which takes the
// veth pair and the iptables rule with them. It can be called again.
func (l *lab) Close() error {
	var errs []error
	for _, fd := range []*int{&l.send[0], &l.send[1], &l.recv} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
	for len(l.made) > 0 {
		ns := l.made[len(l.made)-1]
		// not the caller's ctx: cleanup must run after a cancel too
		if err := run(context.Background(), "ip", "netns", "del", ns); err != nil {
			errs = append(errs, err)
		}
		l.made = l.made[:len(l.made)-1]
	}
	return errors.Join(errs...)
}

func udpSocket() (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("udp socket: %w", err)
	}
	return fd, nil
}

// inNetns runs fn on a fresh OS thread that has entered the named network
// namespace. The thread is never unlocked, so it ends with fn and no other
// goroutine ever runs in that namespace. Sockets fn makes stay in it.
func inNetns(name string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + name)
		if err != nil {
			errc <- fmt.Errorf("%w: namespace %s: %v", ErrSetup, name, err)
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("%w: setns %s: %v", ErrSetup, name, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// readNetFile reads /proc/net/<file> as the named namespace sees it.
func readNetFile(ns, file string) ([]byte, error) {
	var b []byte
	err := inNetns(ns, func() error {
		var err error
		b, err = os.ReadFile("/proc/thread-self/net/" + file)
		return err
	})
	return b, err
}

// run runs a setup command and turns a failure into an error naming the
// command and quoting its output.
func run(ctx context.Context, name string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s %s: %v: %s", ErrSetup, name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

func ip4(a [4]byte) string { return fmt.Sprintf("%d.%d.%d.%d", a[0], a[1], a[2], a[3]) }
