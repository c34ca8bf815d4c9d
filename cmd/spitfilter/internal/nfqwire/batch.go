package nfqwire

import "encoding/binary"

// Netfilter verdicts (linux/netfilter.h).
const (
	Drop   uint32 = 0 // NF_DROP
	Accept uint32 = 1 // NF_ACCEPT
)

// Verdict is what a queue reader answers for one packet.
type Verdict struct {
	// Verdict is Accept or Drop.
	Verdict uint32
	// SetMark asks the kernel to set the packet's nfmark to Mark.
	SetMark bool
	Mark    uint32
	// Payload, when not nil, replaces the packet (from its network header
	// on): a rewritten packet goes back this way. A netlink attribute holds
	// at most MaxPayload bytes; a longer replacement cannot be sent, and
	// the packet is dropped instead (it was rewritten because its stream
	// is being silenced).
	Payload []byte
}

// MaxPayload is the longest packet a verdict can carry back.
const MaxPayload = 0xffff - nlaHdrLen

// plain tells whether v is a bare accept, which a batch verdict can give.
func (v *Verdict) plain() bool { return v.Verdict == Accept && !v.SetMark && v.Payload == nil }

// Batch gathers the verdicts for the packets of one read into one buffer,
// for one send: each verdict that carries something (a drop, a mark, a
// rewritten packet) as its own NFQNL_MSG_VERDICT, in the order given, and
// all bare accepts as one NFQNL_MSG_VERDICT_BATCH for the highest of their
// ids, last. The kernel takes the messages in order, and a batch verdict
// accepts every packet still queued with an id up to its own, so it must
// only be used when every lower id was read and answered, as a reader that
// answers each read before the next one does. Packet ids are per queue;
// a Batch is for one queue.
//
// The zero Batch is ready for queue 0; its buffer grows to the largest
// batch seen and is then reused without allocating.
type Batch struct {
	queue     uint16
	buf       []byte
	accept    uint32 // highest id of a bare accept
	hasAccept bool
	n         int
}

// Reset empties b for a new read of queue.
func (b *Batch) Reset(queue uint16) {
	b.queue = queue
	b.buf = b.buf[:0]
	b.hasAccept = false
	b.n = 0
}

// Len is the number of packets b has verdicts for.
func (b *Batch) Len() int { return b.n }

// Add gives packet id its verdict. Add ids in the order they were read.
func (b *Batch) Add(id uint32, v Verdict) {
	b.n++
	if v.plain() {
		b.accept, b.hasAccept = id, true
		return
	}
	b.buf = appendVerdict(b.buf, msgVerdict, b.queue, id, &v)
}

// Bytes returns the messages to send: the verdicts with something to say,
// then the batch accept. The slice aliases b until the next Reset.
func (b *Batch) Bytes() []byte {
	if b.hasAccept {
		b.buf = appendVerdict(b.buf, msgVerdictBatch, b.queue, b.accept, &Verdict{Verdict: Accept})
		b.hasAccept = false
	}
	return b.buf
}

// AppendVerdict appends one NFQNL_MSG_VERDICT message for packet id of
// queue to dst. Its sequence number is id, so that the kernel's error
// answer, if any, names the packet.
func AppendVerdict(dst []byte, queue uint16, id uint32, v Verdict) []byte {
	return appendVerdict(dst, msgVerdict, queue, id, &v)
}

func appendVerdict(dst []byte, typ uint16, queue uint16, id uint32, v *Verdict) []byte {
	if len(v.Payload) > MaxPayload {
		v = &Verdict{Verdict: Drop}
	}
	size := headerLen + nlaHdrLen + 8
	if v.SetMark {
		size += nlaHdrLen + 4
	}
	if v.Payload != nil {
		size += align4(nlaHdrLen + len(v.Payload))
	}
	start := len(dst)
	dst = grow(dst, size)
	m := dst[start:]
	binary.NativeEndian.PutUint32(m[0:4], uint32(size))
	binary.NativeEndian.PutUint16(m[4:6], typ)
	binary.NativeEndian.PutUint16(m[6:8], nlmFRequest)
	binary.NativeEndian.PutUint32(m[8:12], id)
	binary.NativeEndian.PutUint32(m[12:16], 0)
	m[16], m[17] = 0, 0 // AF_UNSPEC, NFNETLINK_V0
	binary.BigEndian.PutUint16(m[18:20], queue)
	a := m[headerLen:]
	putAttrHeader(a, attrVerdictHdr, 8)
	binary.BigEndian.PutUint32(a[4:8], v.Verdict)
	binary.BigEndian.PutUint32(a[8:12], id)
	a = a[12:]
	if v.SetMark {
		putAttrHeader(a, attrMark, 4)
		binary.BigEndian.PutUint32(a[4:8], v.Mark)
		a = a[8:]
	}
	if v.Payload != nil {
		putAttrHeader(a, attrPayload, len(v.Payload))
		c := copy(a[nlaHdrLen:], v.Payload)
		clear(a[nlaHdrLen+c : align4(nlaHdrLen+c)])
	}
	return dst
}

func putAttrHeader(a []byte, typ uint16, valueLen int) {
	binary.NativeEndian.PutUint16(a[0:2], uint16(nlaHdrLen+valueLen))
	binary.NativeEndian.PutUint16(a[2:4], typ)
}

// grow extends dst by n bytes, reallocating only when its capacity is short.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) < n {
		next := make([]byte, len(dst), 2*cap(dst)+n)
		copy(next, dst)
		dst = next
	}
	return dst[:len(dst)+n]
}
