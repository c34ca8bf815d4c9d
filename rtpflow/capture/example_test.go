package capture_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/spitfilter/spitfilter/rtpflow/capture"
)

func ExampleReader_Next() {
	// A two-packet capture, as a file or a pipe would deliver it.
	var file bytes.Buffer
	w := pcapgo.NewWriter(&file)
	w.WriteFileHeader(65535, layers.LinkTypeRaw)
	t := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	w.WritePacket(gopacket.CaptureInfo{Timestamp: t, CaptureLength: 3, Length: 3}, []byte{0x45, 0, 0})
	w.WritePacket(gopacket.CaptureInfo{Timestamp: t.Add(20 * time.Millisecond), CaptureLength: 2, Length: 60}, []byte{0x60, 0})
	whole := file.Bytes()

	r, err := capture.NewReader(bytes.NewReader(whole[:len(whole)-1]), "call.pcap") // last byte lost
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		data, info, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err, errors.Is(err, capture.ErrTruncated))
			break
		}
		fmt.Println(r.Format(), info.Timestamp.Format(time.TimeOnly), info.LinkType, len(data), "of", info.Length, "bytes")
	}
	// Output:
	// pcap 12:00:00 raw 3 of 3 bytes
	// call.pcap: truncated record at byte 43 after 1 packets: unexpected EOF true
}
