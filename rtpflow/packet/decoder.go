package packet

import (
	"time"
)

// Defaults for a zero DecoderConfig.
const (
	// DefaultMaxPending is the number of datagrams held for reassembly at
	// once. Each holds at most 64 KiB, grown as its fragments arrive.
	DefaultMaxPending = 64
	// DefaultTimeout is how long, in packet time, a datagram may wait for
	// its missing fragments (Linux's net.ipv4.ipfrag_time).
	DefaultTimeout = 30 * time.Second
)

// DecoderConfig configures a Decoder. The zero value means the documented
// defaults: no reassembly.
type DecoderConfig struct {
	// Reassemble holds IP fragments of UDP datagrams and returns the whole
	// datagram when the last missing piece arrives. Without it fragments
	// are counted and skipped.
	Reassemble bool
	// MaxPending is the number of datagrams held at once; when a new one
	// arrives with the table full, the oldest is dropped (counted as
	// expired). Zero or negative means DefaultMaxPending.
	MaxPending int
	// Timeout is how long, measured in packet timestamps from its first
	// fragment, a datagram may stay incomplete. Zero or negative means
	// DefaultTimeout.
	Timeout time.Duration
}

// Decoder decodes frames to UDP datagrams. The zero value is usable and
// does not reassemble. A Decoder is not safe for concurrent use; it keeps
// reassembly state and statistics between calls.
type Decoder struct {
	cfg   DecoderConfig
	stats Stats
	frags reassembler
	// frag is the fragment decode found, for Decode to reassemble: kept
	// out of the per-packet calls, which then need no timestamp.
	frag fragment
}

// NewDecoder returns a Decoder configured by cfg.
func NewDecoder(cfg DecoderConfig) *Decoder {
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Decoder{cfg: cfg}
}

// Decode decodes one frame of link type lt, captured (or queued) at ts,
// into out, which it resets first.
//
// It returns KindUDP with out filled in for a whole UDP datagram; out's
// Payload aliases data (or, for a reassembled datagram, the Decoder's
// buffer) and is valid until the next call. For KindNotUDP and
// KindFragment the addresses, IPv6 and NetworkOffset are set, for
// KindNotIP nothing. KindMalformed comes with an error wrapping
// ErrTruncated or ErrInvalid; KindNotIP comes with an error wrapping
// ErrLinkType when lt is not supported; no other result has an error.
// Decode never panics, and allocates nothing for unfragmented packets.
func (d *Decoder) Decode(lt LinkType, data []byte, ts time.Time, out *UDP) (Kind, error) {
	*out = UDP{}
	d.stats.Packets++
	if d.frags.active > 0 {
		d.expire(ts)
	}
	var k Kind
	var err error
	if lt == LinkEthernet && len(data) >= 14 && data[12] == 0x08 && data[13] == 0x00 {
		// Untagged IPv4 over Ethernet, the common case: what network
		// would find, without the calls.
		k, err = d.ipv4(data, 14, out)
	} else {
		k, err = d.decode(lt, data, out)
	}
	if k == kindReassemble {
		k, err = d.fragment(d.frag, ts, out)
		d.frag = fragment{} // do not keep the frame
	}
	switch k {
	case KindUDP:
		d.stats.UDP++
	case KindNotIP:
		d.stats.NotIP++
	case KindNotUDP:
		d.stats.NotUDP++
	case KindMalformed:
		d.stats.Malformed++
	}
	return k, err
}

func (d *Decoder) decode(lt LinkType, data []byte, out *UDP) (Kind, error) {
	off, version, err := network(lt, data)
	if err != nil {
		if lt.supported() {
			return KindMalformed, err
		}
		return KindNotIP, err
	}
	switch version {
	case 4:
		return d.ipv4(data, off, out)
	case 6:
		return d.ipv6(data, off, out)
	}
	return KindNotIP, nil
}

func (t LinkType) supported() bool {
	switch t {
	case LinkNull, LinkEthernet, LinkRaw, LinkLoop, LinkLinuxSLL, LinkIPv4, LinkIPv6, LinkLinuxSLL2:
		return true
	}
	return false
}

// Stats returns the counts so far.
func (d *Decoder) Stats() Stats {
	s := d.stats
	s.PendingDatagrams = d.frags.active
	s.PendingFragments = d.frags.pendingFragments()
	return s
}
