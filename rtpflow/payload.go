package rtpflow

import "strconv"

// Payload types with a fixed meaning (RFC 3551, RFC 3389).
const (
	PTPCMU  = 0
	PTPCMA  = 8
	PTG722  = 9
	PTCN    = 13 // RFC 3389 comfort noise
	PTCNOld = 19 // comfort noise, pre-RFC 3389 allocation
	PTG729  = 18
)

// DefaultTelephoneEvent is the dynamic payload type most PBXes use for
// RFC 4733 telephone-events (Asterisk, FreeSWITCH, baresip).
const DefaultTelephoneEvent = 101

// staticAudioClock is the RTP clock rate of the static audio payload types
// (RFC 3551 table 4); 0 marks a payload type that is not audio.
var staticAudioClock = [35]uint32{
	0: 8000, 3: 8000, 4: 8000, 5: 8000, 6: 16000, 7: 8000, 8: 8000,
	9: 8000, 10: 44100, 11: 44100, 12: 8000, 13: 8000, 14: 90000,
	15: 8000, 16: 11025, 17: 22050, 18: 8000, 19: 8000,
}

// staticNames are the encoding names of the static audio payload types.
var staticNames = [35]string{
	0: "PCMU", 3: "GSM", 4: "G723", 5: "DVI4", 6: "DVI4", 7: "LPC", 8: "PCMA",
	9: "G722", 10: "L16", 11: "L16", 12: "QCELP", 13: "CN", 14: "MPA",
	15: "G728", 16: "DVI4", 17: "DVI4", 18: "G729", 19: "CN",
}

// isDynamic reports whether pt is in the dynamic range 96-127.
func isDynamic(pt uint8) bool { return pt >= 96 && pt <= 127 }

// isCN reports whether pt carries comfort noise.
func isCN(pt uint8) bool { return pt == PTCN || pt == PTCNOld }

// plausibleAudioPT reports whether pt can carry audio (or its companions:
// comfort noise, telephone-events) in a stream of unknown signalling.
func plausibleAudioPT(pt uint8) bool {
	return (int(pt) < len(staticAudioClock) && staticAudioClock[pt] != 0) || isDynamic(pt)
}

// clockRate returns the RTP clock rate for pt, or 0 where it is unknown
// without signalling (dynamic payload types), as Wireshark does.
func clockRate(pt uint8) uint32 {
	if int(pt) < len(staticAudioClock) {
		return staticAudioClock[pt]
	}
	return 0
}

// CodecName returns the encoding name of a payload type: "PCMU", "PCMA", ...,
// or "PT 101" for a payload type without a static assignment.
func CodecName(pt uint8) string {
	if int(pt) < len(staticNames) && staticNames[pt] != "" {
		return staticNames[pt]
	}
	return "PT " + strconv.Itoa(int(pt))
}

// isTelephoneEvent reports whether a packet of payload type pt with this
// payload looks like an RFC 4733 telephone-event: a dynamic payload type and
// a payload of one or more 4-byte event blocks with the reserved bit clear.
// Without signalling this is the best that can be said; the configured
// telephone-event payload type (default 101) is always taken as one.
func isTelephoneEvent(pt uint8, payload []byte, configured uint8) bool {
	if pt == configured && configured != 0 {
		return true
	}
	if !isDynamic(pt) || len(payload) != 4 {
		return false
	}
	return payload[0] <= 16 && payload[1]&0x40 == 0
}
