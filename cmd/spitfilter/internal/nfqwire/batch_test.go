package nfqwire

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
)

// want builds the verdict message go-nfqueue sends (its setVerdict: the
// verdict header, then the options' attributes), with mdlayher/netlink, and
// our sequence number.
func want(t *testing.T, typ uint16, queue uint16, id uint32, v Verdict) []byte {
	t.Helper()
	hdr := make([]byte, 8)
	binary.BigEndian.PutUint32(hdr[0:4], v.Verdict)
	binary.BigEndian.PutUint32(hdr[4:8], id)
	attrs := []netlink.Attribute{{Type: attrVerdictHdr, Data: hdr}}
	if v.SetMark {
		mark := make([]byte, 4)
		binary.BigEndian.PutUint32(mark, v.Mark)
		attrs = append(attrs, netlink.Attribute{Type: attrMark, Data: mark})
	}
	if v.Payload != nil {
		attrs = append(attrs, netlink.Attribute{Type: attrPayload, Data: v.Payload})
	}
	ab, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		t.Fatal(err)
	}
	data := append([]byte{0, 0, byte(queue >> 8), byte(queue)}, ab...)
	b, err := marshal(t, netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(typ), Flags: netlink.Request, Sequence: id}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAppendVerdictMatchesNetlink(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Verdict
	}{
		{"accept", Verdict{Verdict: Accept}},
		{"drop", Verdict{Verdict: Drop}},
		{"mark", Verdict{Verdict: Accept, SetMark: true, Mark: 0x5a17}},
		{"payload aligned", Verdict{Verdict: Accept, Payload: make([]byte, 200)}},
		{"payload unaligned", Verdict{Verdict: Accept, Payload: []byte{1, 2, 3, 4, 5, 6, 7}}},
		{"mark and payload", Verdict{Verdict: Accept, SetMark: true, Mark: 1, Payload: []byte{9, 9, 9}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AppendVerdict([]byte{0xee}, 513, 77, tc.v)[1:]
			if diff := cmp.Diff(want(t, msgVerdict, 513, 77, tc.v), got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestBatch(t *testing.T) {
	muted := []byte{0x45, 1, 2, 3, 4}
	var b Batch
	b.Reset(2)
	b.Add(10, Verdict{Verdict: Accept})
	b.Add(11, Verdict{Verdict: Accept, Payload: muted})
	b.Add(12, Verdict{Verdict: Accept})
	b.Add(13, Verdict{Verdict: Drop})
	b.Add(14, Verdict{Verdict: Accept})
	var w []byte
	w = append(w, want(t, msgVerdict, 2, 11, Verdict{Verdict: Accept, Payload: muted})...)
	w = append(w, want(t, msgVerdict, 2, 13, Verdict{Verdict: Drop})...)
	w = append(w, want(t, msgVerdictBatch, 2, 14, Verdict{Verdict: Accept})...)
	if diff := cmp.Diff(w, b.Bytes()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if b.Len() != 5 {
		t.Errorf("Len %d, want 5", b.Len())
	}

	// only a rewrite: no batch message
	b.Reset(2)
	b.Add(15, Verdict{Verdict: Accept, Payload: muted})
	if diff := cmp.Diff(want(t, msgVerdict, 2, 15, Verdict{Verdict: Accept, Payload: muted}), b.Bytes()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}

	b.Reset(2)
	if len(b.Bytes()) != 0 {
		t.Errorf("an empty batch sends %d bytes", len(b.Bytes()))
	}
}

func TestPayloadTooLong(t *testing.T) {
	got := AppendVerdict(nil, 0, 5, Verdict{Verdict: Accept, Payload: make([]byte, MaxPayload+1)})
	if diff := cmp.Diff(want(t, msgVerdict, 0, 5, Verdict{Verdict: Drop}), got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestNoAllocs(t *testing.T) {
	msg := packetMessage(t, 1, 99, make([]byte, 200), nil)
	var m Message
	var b Batch
	b.Reset(1)
	b.Add(1, Verdict{Verdict: Accept, Payload: make([]byte, 200)})
	b.Bytes()
	allocs := testing.AllocsPerRun(1000, func() {
		b.Reset(1)
		for range 8 {
			if _, err := m.Unmarshal(msg); err != nil {
				t.Fatal(err)
			}
			b.Add(m.Packet.ID, Verdict{Verdict: Accept})
		}
		b.Add(m.Packet.ID, Verdict{Verdict: Accept, Payload: m.Packet.Payload})
		b.Bytes()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per batch, want 0", allocs)
	}
}

func BenchmarkReadAndAnswer(b *testing.B) {
	msg := packetMessage(b, 1, 99, make([]byte, 200), nil)
	var m Message
	var bt Batch
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		bt.Reset(1)
		if _, err := m.Unmarshal(msg); err != nil {
			b.Fatal(err)
		}
		bt.Add(m.Packet.ID, Verdict{Verdict: Accept})
		bt.Bytes()
	}
}

func TestConfigMessages(t *testing.T) {
	// what go-nfqueue's RegisterWithErrorFunc sends for the same queue
	be := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	body := func(attrs ...netlink.Attribute) []byte {
		b, err := netlink.MarshalAttributes(attrs)
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte{0, 0, 0x01, 0x02}, b...)
	}
	want := [][]byte{
		body(netlink.Attribute{Type: attrCfgCmd, Data: []byte{cmdBind, 0, 0, 0}}),
		body(netlink.Attribute{Type: attrCfgParams, Data: append(be(0xffff), CopyPacket)}),
		body(netlink.Attribute{Type: attrCfgFlags, Data: be(FlagFailOpen)},
			netlink.Attribute{Type: attrCfgMask, Data: be(FlagFailOpen)},
			netlink.Attribute{Type: attrCfgQueueLen, Data: be(4096)}),
	}
	got := ConfigMessages(Config{Queue: 0x0102, CopyRange: 0xffff, QueueLen: 4096, Flags: FlagFailOpen})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(body(netlink.Attribute{Type: attrCfgCmd, Data: []byte{cmdUnbind, 0, 0, 0}}), UnbindMessage(0x0102)); diff != "" {
		t.Errorf("unbind (-want +got)\n%s", diff)
	}
}
