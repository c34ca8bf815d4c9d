package main

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/spitfilter/spitfilter/decode"
)

// TestAudioAfterBye: a sender that sends an RTCP BYE for its stream and
// talks on is heard whole: the audio after the BYE is analysed (the
// stream's audio time covers it), and the report says how many packets
// came after the BYE.
func TestAudioAfterBye(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bye.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	src, dst := net.IPv4(192, 0, 2, 1), net.IPv4(192, 0, 2, 2)
	write := func(at time.Time, srcPort, dstPort uint16, payload []byte) {
		t.Helper()
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src, DstIP: dst}
		udp := &layers.UDP{SrcPort: layers.UDPPort(srcPort), DstPort: layers.UDPPort(dstPort)}
		udp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			t.Fatal(err)
		}
	}
	const ssrc = 0xB1E0B1E0
	audio := decode.AppendEncodeULaw(nil, speechLike(4, 3))
	at := t0
	for i := range 200 { // 4 s; the BYE after 2 s
		if i == 100 {
			bye := []byte{0x81, 203, 0, 1, 0, 0, 0, 0}
			binary.BigEndian.PutUint32(bye[4:], ssrc)
			write(at, 4001, 30001, bye)
		}
		p := make([]byte, 12, 172)
		p[0], p[1] = 0x80, 0
		binary.BigEndian.PutUint16(p[2:], uint16(i))
		binary.BigEndian.PutUint32(p[4:], uint32(i*160))
		binary.BigEndian.PutUint32(p[8:], ssrc)
		write(at, 4000, 30000, append(p, audio[i*160:(i+1)*160]...))
		at = at.Add(20 * time.Millisecond)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	rep, code, stderr := spitcheckJSON(t, "--word", "free cruise", path)
	if code != exitClean || len(rep.Streams) != 1 {
		t.Fatalf("exit %d, %d streams; stderr: %s", code, len(rep.Streams), stderr)
	}
	s := rep.Streams[0]
	if s.RTCP == nil || s.RTCP.Bye == nil || s.RTCP.RTPAfterBye != 100 {
		t.Fatalf("rtcp %+v: want a BYE and 100 RTP packets after it", s.RTCP)
	}
	if s.Audio < 3.9 {
		t.Errorf("audio %.2f s of the 4 s: what came after the BYE was not analysed", s.Audio)
	}
	_, text, _ := runText(t, nil, "--word", "free cruise", path)
	if !strings.Contains(text, "RTCP BYE; 100 RTP packets after the BYE") {
		t.Errorf("the report does not say packets came after the BYE:\n%s", text)
	}
}
