package enforce

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/decode"
)

// diffResult returns "" when want == got, else a (-want +got) report.
func diffResult(want, got Result) string {
	if want == got {
		return ""
	}
	return fmt.Sprintf("(-want +got):\n-\t%v %q mark=%d modified=%v\n+\t%v %q mark=%d modified=%v",
		want.Verdict, want.Reason, want.Mark, want.Modified, got.Verdict, got.Reason, got.Mark, got.Modified)
}

// diffBytes returns "" when want and got are equal, else a (-want +got)
// report of the first differing offsets.
func diffBytes(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "(-want +got): len %d, %d\n", len(want), len(got))
	n := 0
	for i := 0; i < max(len(want), len(got)) && n < 8; i++ {
		var w, g int = -1, -1
		if i < len(want) {
			w = int(want[i])
		}
		if i < len(got) {
			g = int(got[i])
		}
		if w != g {
			fmt.Fprintf(&sb, "  [%d] -%#02x +%#02x\n", i, w, g)
			n++
		}
	}
	return sb.String()
}

// judged is one packet run through Apply with its before and after.
type judged struct {
	before, after []byte
	res           Result
	udpOff        int
	rtpStart      int // offset of the RTP payload in the packet
	rtpEnd        int // end of the RTP payload (padding excluded)
}

// judge builds the packet of spec on f, puts d in force from t0 on a state
// keyed by key (f and the spec's SSRC when key is nil), and applies it at
// t0+1s.
func judge(t *testing.T, e *Enforcer, f flow, spec rtpSpec, d Decision, zeroSum bool) judged {
	t.Helper()
	before := ipPacket(t, f, spec.marshal(t), zeroSum)
	pkt := append([]byte(nil), before...)
	u := decodeRaw(t, pkt)
	st := NewState(keyOf(f, spec.ssrc))
	if d.Action != None {
		if d.From.IsZero() {
			d.From = t0
		}
		if err := st.Set(d); err != nil {
			t.Fatal(err)
		}
	}
	res := e.Apply(pkt, &u, st, t0.Add(time.Second))
	off := udpOffset(pkt)
	return judged{before: before, after: pkt, res: res, udpOff: off,
		rtpStart: off + 8 + 12 + 4*len(spec.csrc) + extLen(spec), rtpEnd: len(pkt) - int(spec.padding)}
}

// extLen is the size of the header extension pion writes for spec.
func extLen(spec rtpSpec) int {
	if spec.ext == nil {
		return 0
	}
	return 4 + (1+len(spec.ext)+3)/4*4
}

// checkRewrite checks everything a rewrite must keep: the length, every
// byte outside the RTP payload but the UDP checksum, and a valid checksum
// by gopacket and by a plain RFC 1071 sum (non-zero over IPv6).
func checkRewrite(t *testing.T, j judged, wantPayload []byte) {
	t.Helper()
	if len(j.after) != len(j.before) {
		t.Fatalf("length %d, was %d", len(j.after), len(j.before))
	}
	keep := func(b []byte) []byte {
		c := append([]byte(nil), b[:j.rtpStart]...)
		c[j.udpOff+6], c[j.udpOff+7] = 0, 0
		return append(c, b[j.rtpEnd:]...)
	}
	if d := diffBytes(keep(j.before), keep(j.after)); d != "" {
		t.Errorf("bytes outside the payload changed %s", d)
	}
	if d := diffBytes(wantPayload, j.after[j.rtpStart:j.rtpEnd]); d != "" {
		t.Errorf("payload %s", d)
	}
	if r := gopacketChecksum(t, j.after); !r.Valid {
		t.Errorf("gopacket: checksum %#04x, want %#04x", r.Actual, r.Correct)
	}
	ok, zero := rfc1071OK(j.after)
	if j.after[0]>>4 == 6 && zero {
		t.Error("ipv6 udp checksum is 0")
	}
	if !ok && !zero {
		t.Error("rfc 1071 sum over pseudo-header and datagram is not all ones")
	}
}

func TestApplyActions(t *testing.T) {
	e := New(Config{})
	tone := func(c decode.Codec, ts uint32, n int) []byte {
		tt := toneTable(c, ToneLevel)
		b := make([]byte, n)
		for i := range b {
			b[i] = tt[(ts+uint32(i))%8]
		}
		return b
	}
	for _, f := range []struct {
		name string
		flow flow
	}{{"ipv4", flow4}, {"ipv6", flow6}} {
		for _, c := range []decode.Codec{decode.PCMU, decode.PCMA} {
			pt, _ := c.PayloadType()
			spec := rtpSpec{pt: pt, seq: 7, ts: 1003, ssrc: 0xdecafbad, marker: true, payload: audio(160)}
			tests := []struct {
				name    string
				d       Decision
				want    Result
				payload []byte // nil: the packet must be unchanged
			}{
				{"none", Decision{}, Result{Reason: ReasonClean}, nil},
				{"log", Decision{Action: ActionLog, Rule: "free cruise"}, Result{Reason: ReasonLogged}, nil},
				{"drop", Decision{Action: ActionDrop}, Result{Verdict: Drop, Reason: ReasonRule}, nil},
				{"mark", Decision{Action: ActionMark, Mark: 0x5b17}, Result{Verdict: Mark, Reason: ReasonRule, Mark: 0x5b17}, nil},
				{"mute", Decision{Action: ActionMute}, Result{Verdict: Mute, Reason: ReasonRule, Modified: true}, bytes.Repeat([]byte{c.Silence()}, 160)},
				{"bleep", Decision{Action: ActionBleep}, Result{Verdict: Bleep, Reason: ReasonRule, Modified: true}, tone(c, 1003, 160)},
			}
			for _, tt := range tests {
				t.Run(f.name+"/"+c.String()+"/"+tt.name, func(t *testing.T) {
					j := judge(t, e, f.flow, spec, tt.d, false)
					if d := diffResult(tt.want, j.res); d != "" {
						t.Fatal(d)
					}
					if tt.payload == nil {
						if d := diffBytes(j.before, j.after); d != "" {
							t.Errorf("packet changed %s", d)
						}
						return
					}
					if bytes.Equal(j.before, j.after) {
						t.Fatal("packet unchanged")
					}
					checkRewrite(t, j, tt.payload)
				})
			}
		}
	}
}

// TestApplyRTPLayout mutes packets with CSRCs, a header extension and
// padding: only the payload between them changes.
func TestApplyRTPLayout(t *testing.T) {
	e := New(Config{})
	tests := []struct {
		name string
		spec rtpSpec
	}{
		{"plain", rtpSpec{payload: audio(160)}},
		{"csrcs", rtpSpec{csrc: []uint32{0x11111111, 0x22222222, 0x33333333}, payload: audio(160)}},
		{"extension", rtpSpec{ext: []byte{0xaa, 0xbb, 0xcc}, payload: audio(160)}},
		{"padding", rtpSpec{padding: 4, payload: audio(160)}},
		{"odd length padding", rtpSpec{padding: 3, payload: audio(161)}},
		{"all", rtpSpec{csrc: []uint32{0x44444444}, ext: []byte{1, 2, 3, 4, 5, 6, 7}, padding: 8, payload: audio(80)}},
		{"empty payload", rtpSpec{payload: nil}},
	}
	for _, f := range []struct {
		name string
		flow flow
	}{{"ipv4", flow4}, {"ipv6", flow6}} {
		for _, tt := range tests {
			t.Run(f.name+"/"+tt.name, func(t *testing.T) {
				spec := tt.spec
				spec.pt, spec.seq, spec.ts, spec.ssrc = 8, 9, 160, 42
				j := judge(t, e, f.flow, spec, Decision{Action: ActionMute}, false)
				want := Result{Verdict: Mute, Reason: ReasonRule, Modified: true}
				if d := diffResult(want, j.res); d != "" {
					t.Fatal(d)
				}
				if got := j.rtpEnd - j.rtpStart; got != len(spec.payload) {
					t.Fatalf("test layout: payload of %d bytes, want %d", got, len(spec.payload))
				}
				checkRewrite(t, j, bytes.Repeat([]byte{0xD5}, len(spec.payload)))
			})
		}
	}
}

// TestApplyZeroChecksum: over IPv4 a sender's 0 ("no checksum") stays 0;
// over IPv6 a 0 is replaced by the real checksum.
func TestApplyZeroChecksum(t *testing.T) {
	e := New(Config{})
	spec := rtpSpec{pt: 0, ts: 8, ssrc: 5, payload: audio(160)}
	t.Run("ipv4", func(t *testing.T) {
		j := judge(t, e, flow4, spec, Decision{Action: ActionMute}, true)
		if !j.res.Modified {
			t.Fatalf("not modified: %+v", j.res)
		}
		if _, zero := rfc1071OK(j.after); !zero {
			t.Errorf("checksum %#02x%02x, want 0 as the sender sent", j.after[j.udpOff+6], j.after[j.udpOff+7])
		}
		if d := diffBytes(bytes.Repeat([]byte{0xFF}, 160), j.after[j.rtpStart:]); d != "" {
			t.Errorf("payload %s", d)
		}
	})
	t.Run("ipv6", func(t *testing.T) {
		j := judge(t, e, flow6, spec, Decision{Action: ActionMute}, true)
		checkRewrite(t, j, bytes.Repeat([]byte{0xFF}, 160))
	})
}

// TestApplyUnsilenceable covers the packets of a muted stream that are not
// G.711 audio, and traffic that is not a stream's RTP at all.
func TestApplyUnsilenceable(t *testing.T) {
	e := New(Config{})
	tests := []struct {
		name string
		spec rtpSpec
		act  Action
		want Result
	}{
		{"comfort noise", rtpSpec{pt: 13, payload: []byte{0x40}}, ActionMute, Result{Reason: ReasonComfortNoise}},
		{"old comfort noise", rtpSpec{pt: 19, payload: []byte{0x40}}, ActionBleep, Result{Reason: ReasonComfortNoise}},
		{"telephone-event 101", rtpSpec{pt: 101, payload: []byte{1, 0x8a, 0, 160}}, ActionMute, Result{Reason: ReasonTelephoneEvent}},
		{"telephone-event other dynamic", rtpSpec{pt: 100, payload: []byte{5, 0x0a, 1, 64}}, ActionBleep, Result{Reason: ReasonTelephoneEvent}},
		{"g729", rtpSpec{pt: 18, payload: audio(20)}, ActionMute, Result{Verdict: Drop, Reason: ReasonUnknownCodec}},
		{"opus", rtpSpec{pt: 111, payload: audio(60)}, ActionBleep, Result{Verdict: Drop, Reason: ReasonUnknownCodec}},
		{"g722", rtpSpec{pt: 9, payload: audio(160)}, ActionMute, Result{Verdict: Drop, Reason: ReasonUnknownCodec}},
		{"g729 under mark", rtpSpec{pt: 18, payload: audio(20)}, ActionMark, Result{Verdict: Mark, Reason: ReasonRule}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.ssrc = 77
			j := judge(t, e, flow6, tt.spec, Decision{Action: tt.act}, false)
			if d := diffResult(tt.want, j.res); d != "" {
				t.Fatal(d)
			}
			if d := diffBytes(j.before, j.after); d != "" {
				t.Errorf("packet changed %s", d)
			}
		})
	}
}

// TestApplyOdd covers traffic that reaches Apply without being a sound RTP
// packet of the state's stream.
func TestApplyOdd(t *testing.T) {
	good := rtpSpec{pt: 0, ssrc: 1, payload: audio(160)}.marshal(t)
	short := append([]byte(nil), good[:12]...)
	short[0] |= 0x0f // 15 CSRCs in a 12-byte packet
	ext := append([]byte(nil), good...)
	ext[0] |= 0x10
	ext[14], ext[15] = 0xff, 0xff // extension of 256 KiB
	pad := append([]byte(nil), good...)
	pad[0] |= 0x20
	pad[len(pad)-1] = 0 // padding count 0
	v1 := append([]byte(nil), good...)
	v1[0] = 0x40
	tests := []struct {
		name    string
		payload []byte
		act     Action
		noState bool
		want    Result
	}{
		{"no stream", good, ActionMute, true, Result{Reason: ReasonNoStream}},
		{"rtp version 1", v1, ActionMute, false, Result{Reason: ReasonNotRTP}},
		{"short", good[:11], ActionDrop, false, Result{Reason: ReasonNotRTP}},
		{"csrcs overrun, muted", short, ActionMute, false, Result{Verdict: Drop, Reason: ReasonMalformed}},
		{"csrcs overrun, no decision", short, None, false, Result{Reason: ReasonMalformed}},
		{"extension overrun, bleeped", ext, ActionBleep, false, Result{Verdict: Drop, Reason: ReasonMalformed}},
		{"padding 0, muted", pad, ActionMute, false, Result{Verdict: Drop, Reason: ReasonMalformed}},
		{"csrcs overrun, dropped", short, ActionDrop, false, Result{Verdict: Drop, Reason: ReasonRule}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Config{})
			before := ipPacket(t, flow4, tt.payload, false)
			pkt := append([]byte(nil), before...)
			u := decodeRaw(t, pkt)
			var st *State
			if !tt.noState {
				st = NewState(keyOf(flow4, 1))
				if tt.act != None {
					if err := st.Set(Decision{Action: tt.act}); err != nil {
						t.Fatal(err)
					}
				}
			}
			got := e.Apply(pkt, &u, st, t0)
			if d := diffResult(tt.want, got); d != "" {
				t.Fatal(d)
			}
			if d := diffBytes(before, pkt); d != "" {
				t.Errorf("packet changed %s", d)
			}
			s := e.Stats()
			if s.Verdict(tt.want.Verdict) != 1 || s.Reason(tt.want.Reason) != 1 {
				t.Errorf("counted %d %v and %d %q, want 1 each", s.Verdict(tt.want.Verdict), tt.want.Verdict,
					s.Reason(tt.want.Reason), tt.want.Reason)
			}
		})
	}
}

// TestApplyOtherStream: a state acts only on its own stream's packets; an
// injected packet that differs in any part of the key is left alone.
func TestApplyOtherStream(t *testing.T) {
	e := New(Config{})
	own := keyOf(flow4, 1000)
	other := flow{flow4.src, flow4.dst}
	tests := []struct {
		name string
		f    flow
		ssrc uint32
	}{
		{"other ssrc", other, 1001},
		{"other source port", flow{netip.AddrPortFrom(flow4.src.Addr(), 4002), flow4.dst}, 1000},
		{"other source address", flow{flow6.src, flow6.dst}, 1000},
		{"other destination port", flow{flow4.src, netip.AddrPortFrom(flow4.dst.Addr(), 30002)}, 1000},
		{"reverse direction", flow{flow4.dst, flow4.src}, 1000},
	}
	for _, act := range []Action{ActionMute, ActionBleep, ActionDrop, ActionMark} {
		for _, tt := range tests {
			t.Run(act.String()+"/"+tt.name, func(t *testing.T) {
				st := NewState(own)
				if err := st.Set(Decision{Action: act, Mark: 9}); err != nil {
					t.Fatal(err)
				}
				before := ipPacket(t, tt.f, rtpSpec{pt: 0, ssrc: tt.ssrc, payload: audio(160)}.marshal(t), false)
				pkt := append([]byte(nil), before...)
				u := decodeRaw(t, pkt)
				got := e.Apply(pkt, &u, st, t0)
				if d := diffResult(Result{Reason: ReasonOtherStream}, got); d != "" {
					t.Error(d)
				}
				if d := diffBytes(before, pkt); d != "" {
					t.Errorf("packet changed %s", d)
				}
			})
		}
	}
	// The control: the same state does act on its own stream.
	st := NewState(own)
	st.Set(Decision{Action: ActionDrop})
	pkt := ipPacket(t, flow4, rtpSpec{pt: 0, ssrc: 1000, payload: audio(160)}.marshal(t), false)
	u := decodeRaw(t, pkt)
	if got := e.Apply(pkt, &u, st, t0); got.Verdict != Drop {
		t.Errorf("own stream: %v, want drop", got.Verdict)
	}
}

// TestHold: a decision applies to packets whose time is in [From, Until).
func TestHold(t *testing.T) {
	from, until := t0.Add(time.Second), t0.Add(3*time.Second)
	tests := []struct {
		name  string
		d     Decision
		at    time.Time
		muted bool
	}{
		{"before", Decision{From: from, Until: until}, from.Add(-time.Nanosecond), false},
		{"at from", Decision{From: from, Until: until}, from, true},
		{"inside", Decision{From: from, Until: until}, from.Add(time.Second), true},
		{"last instant", Decision{From: from, Until: until}, until.Add(-time.Nanosecond), true},
		{"at until", Decision{From: from, Until: until}, until, false},
		{"after", Decision{From: from, Until: until}, until.Add(time.Hour), false},
		{"rest of stream", Decision{From: from}, from.Add(24 * time.Hour), true},
		{"rest of stream, before", Decision{From: from}, t0, false},
		{"from start", Decision{Until: until}, t0.Add(-time.Hour), true},
	}
	e := New(Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewState(keyOf(flow4, 3))
			tt.d.Action = ActionMute
			if err := st.Set(tt.d); err != nil {
				t.Fatal(err)
			}
			pkt := ipPacket(t, flow4, rtpSpec{pt: 0, ssrc: 3, payload: audio(160)}.marshal(t), false)
			u := decodeRaw(t, pkt)
			got := e.Apply(pkt, &u, st, tt.at)
			want := Result{Reason: ReasonClean}
			if tt.muted {
				want = Result{Verdict: Mute, Reason: ReasonRule, Modified: true}
			}
			if d := diffResult(want, got); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	tests := []struct {
		name string
		d    Decision
		want string
	}{
		{"no action", Decision{Rule: "x"}, `rule "x"`},
		{"bad action", Decision{Action: 99}, "action(99)"},
		{"until before from", Decision{Action: ActionMute, From: t0.Add(time.Second), Until: t0}, "hold ends"},
		{"empty hold", Decision{Action: ActionMute, From: t0, Until: t0}, "hold ends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewState(keyOf(flow4, 1))
			err := st.Set(tt.d)
			if !errors.Is(err, ErrDecision) {
				t.Fatalf("err = %v, want ErrDecision", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "192.0.2.1:4000") {
				t.Errorf("err = %q, want it to name %q and the stream", err, tt.want)
			}
			if _, ok := st.Decision(); ok {
				t.Error("a refused decision is in force")
			}
		})
	}
}

func TestStateDecision(t *testing.T) {
	st := NewState(keyOf(flow4, 1))
	want := Decision{Action: ActionMark, Rule: "press one", Mark: 7, From: t0}
	if err := st.Set(want); err != nil {
		t.Fatal(err)
	}
	got, ok := st.Decision()
	if !ok || got != want {
		t.Errorf("(-want +got):\n-\t%+v\n+\t%+v", want, got)
	}
	st.Clear()
	if _, ok := st.Decision(); ok {
		t.Error("decision still in force after Clear")
	}
	if st.Key() != keyOf(flow4, 1) {
		t.Errorf("Key() = %v", st.Key())
	}
}
