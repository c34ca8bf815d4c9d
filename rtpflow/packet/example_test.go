package packet_test

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

func ExampleDecoder_Decode() {
	// An IPv4 packet as NFQUEUE hands it over: 192.0.2.1:4000 ->
	// 198.51.100.2:30000, carrying a 14-byte RTP packet.
	frame, _ := hex.DecodeString("4500002a0000000040118e8cc0000201c63364020fa075300016a56c80000001000000a012345678ffff")

	d := packet.NewDecoder(packet.DecoderConfig{Reassemble: true})
	var u packet.UDP
	kind, err := d.Decode(packet.LinkRaw, frame, time.Unix(1700000000, 0), &u)
	if err != nil {
		fmt.Println(kind, err)
		return
	}
	fmt.Println(kind, u.SrcAddr(), "->", u.DstAddr())
	fmt.Printf("payload % x (at byte %d of the frame)\n", u.Payload, u.TransportOffset+8)

	// The same frame cut short.
	kind, err = d.Decode(packet.LinkRaw, frame[:30], time.Unix(1700000000, 0), &u)
	fmt.Println(kind, err)
	// Output:
	// udp 192.0.2.1:4000 -> 198.51.100.2:30000
	// payload 80 00 00 01 00 00 00 a0 12 34 56 78 ff ff (at byte 28 of the frame)
	// malformed ipv4: total length 42 exceeds packet length 30: packet truncated
}
