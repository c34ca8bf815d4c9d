package obs

import (
	"bytes"
	"fmt"
	"strconv"
)

// DefaultProcPath is where the kernel lists the NFQUEUE instances of the
// reader's network namespace.
const DefaultProcPath = "/proc/net/netfilter/nfnetlink_queue"

// QueueStats is one line of /proc/net/netfilter/nfnetlink_queue: one queue
// with a reader bound to it. The kernel keeps the counts in 32 bits; they
// wrap, which Prometheus' rate() reads as a counter reset.
type QueueStats struct {
	// Queue is the queue number.
	Queue uint16
	// PortID is the netlink port id of the reader's socket.
	PortID uint32
	// Waiting is the number of packets waiting for a verdict now.
	Waiting uint32
	// CopyMode is 0 (none), 1 (metadata) or 2 (packet); CopyRange is
	// the number of packet bytes copied to the reader.
	CopyMode  uint8
	CopyRange uint32
	// QueueDropped counts packets dropped (or, fail-open, accepted
	// unseen) because the queue was full.
	QueueDropped uint32
	// UserDropped counts packets the kernel failed to send to the reader
	// (its socket buffer was full).
	UserDropped uint32
	// IDSequence is the id of the last packet queued: the number of
	// packets queued since the reader bound, modulo 2^32.
	IDSequence uint32
}

// ParseQueues parses the contents of /proc/net/netfilter/nfnetlink_queue
// into dst[:0] and returns it. It reads the nine columns the kernel
// prints ("%5u %6u %5u %1u %5u %5u %5u %8u %2d": queue, peer port id,
// waiting, copy mode, copy range, queue dropped, user dropped, id
// sequence, 1), and accepts the negative numbers older kernels printed
// with %d. Blank lines are skipped. A line it cannot read is an error
// wrapping ErrProcFormat that names the line and field.
func ParseQueues(dst []QueueStats, b []byte) ([]QueueStats, error) {
	dst = dst[:0]
	for n := 1; len(b) > 0; n++ {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		f := bytes.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != len(queueColumns) {
			return dst, fmt.Errorf("%w: line %d has %d fields, want %d", ErrProcFormat, n, len(f), len(queueColumns))
		}
		var v [len(queueColumns)]uint64
		for i, c := range queueColumns {
			x, err := parseColumn(f[i], c.max)
			if err != nil {
				return dst, fmt.Errorf("%w: line %d field %d (%s) %q: %v", ErrProcFormat, n, i+1, c.name, f[i], err)
			}
			v[i] = x
		}
		dst = append(dst, QueueStats{
			Queue:        uint16(v[0]),
			PortID:       uint32(v[1]),
			Waiting:      uint32(v[2]),
			CopyMode:     uint8(v[3]),
			CopyRange:    uint32(v[4]),
			QueueDropped: uint32(v[5]),
			UserDropped:  uint32(v[6]),
			IDSequence:   uint32(v[7]),
		})
	}
	return dst, nil
}

// queueColumns are the columns of nfnetlink_queue, with the largest value
// each may hold.
var queueColumns = [...]struct {
	name string
	max  uint64
}{
	{"queue", 65535},
	{"peer portid", 1<<32 - 1},
	{"queue total", 1<<32 - 1},
	{"copy mode", 255},
	{"copy range", 1<<32 - 1},
	{"queue dropped", 1<<32 - 1},
	{"user dropped", 1<<32 - 1},
	{"id sequence", 1<<32 - 1},
	{"use", 1<<32 - 1},
}

// parseColumn reads a decimal number no larger than max. A negative number
// is what older kernels printed (%d) for an unsigned 32-bit value of 2^31
// or more: it is taken modulo 2^32.
func parseColumn(f []byte, max uint64) (uint64, error) {
	s := string(f)
	if len(s) > 0 && s[0] == '-' {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return 0, errNumber
		}
		v := uint64(uint32(int32(n)))
		if v > max {
			return 0, fmt.Errorf("%d is over %d", v, max)
		}
		return v, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errNumber
	}
	if v > max {
		return 0, fmt.Errorf("%d is over %d", v, max)
	}
	return v, nil
}
