package fastbench

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/obs"
)

// QueueStats is one line of /proc/net/netfilter/nfnetlink_queue.
type QueueStats struct {
	Queue        uint16 // queue number
	PortID       uint32 // netlink port id of the judge's socket
	Waiting      uint64 // packets waiting for a verdict now
	QueueDropped uint64 // dropped because the queue was full (not counted under fail-open)
	UserDropped  uint64 // dropped because the judge's socket buffer was full (not counted under fail-open)
	IDSequence   uint64 // id of the last packet handed to the judge
}

// parseQueueStats finds queue q in the contents of
// /proc/net/netfilter/nfnetlink_queue, read by the daemon's own parser
// (obs.ParseQueues). ok is false when no judge is bound to q.
func parseQueueStats(b []byte, q uint16) (st QueueStats, ok bool, err error) {
	qs, err := obs.ParseQueues(nil, b)
	if err != nil {
		return QueueStats{}, false, fmt.Errorf("%w: nfnetlink_queue: %v", ErrProcFormat, err)
	}
	for _, s := range qs {
		if s.Queue == q {
			return QueueStats{Queue: q, PortID: s.PortID, Waiting: uint64(s.Waiting), QueueDropped: uint64(s.QueueDropped),
				UserDropped: uint64(s.UserDropped), IDSequence: uint64(s.IDSequence)}, true, nil
		}
	}
	return QueueStats{}, false, nil
}

// netlinkProtoNetfilter is NETLINK_NETFILTER, the "Eth" column of /proc/net/netlink.
const netlinkProtoNetfilter = 12

// parseNetlinkDrops returns the Drops column of the NETLINK_NETFILTER socket
// with port id portID in the contents of /proc/net/netlink. ok is false when
// there is no such socket.
func parseNetlinkDrops(b []byte, portID uint32) (drops uint64, ok bool, err error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	col := map[string]int{}
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if line == 1 {
			for i, name := range f {
				col[name] = i
			}
			for _, want := range []string{"Eth", "Pid", "Drops"} {
				if _, ok := col[want]; !ok {
					return 0, false, fmt.Errorf("%w: /proc/net/netlink header has no %s column", ErrProcFormat, want)
				}
			}
			continue
		}
		if len(f) <= col["Drops"] || len(f) <= col["Pid"] || len(f) <= col["Eth"] {
			return 0, false, fmt.Errorf("%w: /proc/net/netlink line %d has %d fields", ErrProcFormat, line, len(f))
		}
		if f[col["Eth"]] != strconv.Itoa(netlinkProtoNetfilter) || f[col["Pid"]] != strconv.FormatUint(uint64(portID), 10) {
			continue
		}
		d, err := strconv.ParseUint(f[col["Drops"]], 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("%w: /proc/net/netlink line %d Drops %q is not a number", ErrProcFormat, line, f[col["Drops"]])
		}
		return d, true, nil
	}
	if len(col) == 0 {
		return 0, false, fmt.Errorf("%w: /proc/net/netlink is empty", ErrProcFormat)
	}
	return 0, false, nil
}

// parseUDPCounter returns the Udp counter want (RcvbufErrors: a socket's
// receive buffer was full; SndbufErrors: the device refused a datagram)
// from the contents of /proc/net/snmp.
func parseUDPCounter(b []byte, want string) (uint64, error) {
	var header []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if header == nil {
			header = f
			continue
		}
		for i, name := range header {
			if name != want {
				continue
			}
			if i >= len(f) {
				return 0, fmt.Errorf("%w: /proc/net/snmp line %d has %d Udp values, want %d", ErrProcFormat, line, len(f), len(header))
			}
			v, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%w: /proc/net/snmp line %d %s %q is not a number", ErrProcFormat, line, want, f[i])
			}
			return v, nil
		}
		return 0, fmt.Errorf("%w: /proc/net/snmp Udp header has no %s", ErrProcFormat, want)
	}
	return 0, fmt.Errorf("%w: /proc/net/snmp has no Udp lines", ErrProcFormat)
}

// cpuTimes is the first line of /proc/stat: busy and total jiffies of all CPUs.
type cpuTimes struct{ busy, total uint64 }

// parseCPUTimes reads the "cpu" line of /proc/stat: user nice system idle
// iowait irq softirq steal...; idle and iowait are not busy.
func parseCPUTimes(b []byte) (cpuTimes, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("%w: /proc/stat does not start with a cpu line of at least 4 counters", ErrProcFormat)
	}
	var t cpuTimes
	for i, s := range f[1:min(len(f), 9)] { // guest times are inside user already
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("%w: /proc/stat cpu counter %d %q is not a number", ErrProcFormat, i+1, s)
		}
		t.total += v
		if i != 3 && i != 4 {
			t.busy += v
		}
	}
	return t, nil
}

// busyBetween is the fraction of CPU time spent busy from a to b.
func busyBetween(a, b cpuTimes) float64 {
	if b.total <= a.total {
		return 0
	}
	return float64(b.busy-a.busy) / float64(b.total-a.total)
}
