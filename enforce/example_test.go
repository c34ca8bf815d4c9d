package enforce_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// examplePacket is an IPv4 RTP packet, PCMU, SSRC 0x1a2b3c4d, from
// 192.0.2.1:4000 to 192.0.2.2:30000, with 8 audio bytes and no UDP checksum.
func examplePacket() []byte {
	return []byte{
		0x45, 0, 0, 48, 0, 1, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, // IPv4
		0x0f, 0xa0, 0x75, 0x30, 0, 28, 0, 0, // UDP, checksum 0
		0x80, 0, 0, 1, 0, 0, 0, 160, 0x1a, 0x2b, 0x3c, 0x4d, // RTP
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // audio
	}
}

// The fast path of the daemon: decode the queued packet, find its stream
// (here by key; the daemon uses the State hung on rtpflow.Stream.Tag), and
// apply the decision the slow path set.
func ExampleEnforcer_Apply() {
	pkt := examplePacket()
	at := time.Unix(1700000000, 0)

	var dec packet.Decoder
	var u packet.UDP
	if k, err := dec.Decode(packet.LinkRaw, pkt, at, &u); k != packet.KindUDP {
		fmt.Println(k, err)
		return
	}
	st := enforce.NewState(rtpflow.Key{Src: u.Src, Dst: u.Dst, SrcPort: u.SrcPort, DstPort: u.DstPort, SSRC: 0x1a2b3c4d})
	e := enforce.New(enforce.Config{})

	fmt.Println(e.Apply(pkt, &u, st, at).Verdict)

	// The recognizer heard "free cruise" at this packet's time.
	if err := st.Set(enforce.Decision{Action: enforce.ActionMute, Rule: "free cruise", From: at}); err != nil {
		fmt.Println(err)
		return
	}
	r := e.Apply(pkt, &u, st, at)
	fmt.Println(r.Verdict, r.Reason, r.Modified)
	fmt.Printf("% x\n", u.Payload[12:])
	fmt.Println(e.Stats().Verdict(enforce.Mute), e.Stats().Reason(enforce.ReasonClean))
	// Output:
	// accept
	// mute rule true
	// ff ff ff ff ff ff ff ff
	// 1 1
}

func ExampleParseAction() {
	for _, s := range []string{"mute", " Drop ", "mutee"} {
		a, err := enforce.ParseAction(s)
		fmt.Println(a, err)
	}
	// Output:
	// mute <nil>
	// drop <nil>
	// none enforce: action "mutee": unknown action: want mute, bleep, drop, mark or log
}

// A decision holds for packets whose time is in [From, Until).
func ExampleState_Set() {
	k := rtpflow.Key{
		Src: netip.MustParseAddr("2001:db8::1").As16(), Dst: netip.MustParseAddr("2001:db8::2").As16(),
		SrcPort: 4000, DstPort: 30000, SSRC: 7,
	}
	st := enforce.NewState(k)
	from := time.Unix(1700000000, 0)
	err := st.Set(enforce.Decision{Action: enforce.ActionDrop, From: from, Until: from.Add(-time.Second)})
	fmt.Println(err != nil)
	err = st.Set(enforce.Decision{Action: enforce.ActionDrop, Rule: "press one", From: from, Until: from.Add(30 * time.Second)})
	d, ok := st.Decision()
	fmt.Println(err, ok, d.Action, d.Rule, d.Until.Sub(d.From))
	// Output:
	// true
	// <nil> true drop press one 30s
}
