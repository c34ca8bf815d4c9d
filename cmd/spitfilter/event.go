package main

import (
	"fmt"
	"time"

	"github.com/spitfilter/spitfilter/rtpflow"
)

// Event types.
const (
	eventDetection        = "detection"
	eventEnforcementStart = "enforce_start"
	eventEnforcementEnd   = "enforce_end"
)

// event is one JSON event line: a detection, or an enforcement starting or
// ending on a stream. It carries metadata and the matched rule only, never
// audio, transcripts or payload bytes.
type event struct {
	Time   time.Time   `json:"time"` // packet time of the frame that completed the detection
	Event  string      `json:"event"`
	Key    rtpflow.Key `json:"-"`
	Src    string      `json:"src"`
	Dst    string      `json:"dst"`
	SSRC   string      `json:"ssrc"`
	Rule   string      `json:"rule"`
	Action string      `json:"action"`

	// detection
	Kind       string  `json:"kind,omitempty"`
	Text       string  `json:"text,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	Partial    bool    `json:"partial,omitempty"`
	StartS     float64 `json:"start_s,omitempty"` // from the stream's first sample
	EndS       float64 `json:"end_s,omitempty"`
	RTPStart   uint64  `json:"rtp_start,omitempty"` // RTP timestamps of the match (unwrapped)
	RTPEnd     uint64  `json:"rtp_end,omitempty"`

	// enforcement
	HoldS float64 `json:"hold_s,omitempty"` // 0: the rest of the stream
	Mark  uint32  `json:"mark,omitempty"`
}

func newEvent(kind string, j *job, rule, action string, at time.Time) event {
	return event{
		Time: at, Event: kind, Key: j.key, Rule: rule, Action: action,
		Src: j.key.SrcAddr().String(), Dst: j.key.DstAddr().String(),
		SSRC: fmt.Sprintf("0x%08x", j.key.SSRC),
	}
}
