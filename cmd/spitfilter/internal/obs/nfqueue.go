package obs

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
	panic("todo")
}
