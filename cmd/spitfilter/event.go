package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Event types.
const (
	eventDetection        = "detection"
	eventEnforcementStart = "enforcement_start"
	eventEnforcementEnd   = "enforcement_end"
)

// event is one JSON event line: a detection, or an enforcement starting or
// ending on a stream. It carries metadata and the matched rule only, never
// audio, transcripts or payload bytes.
type event struct {
	Time   time.Time `json:"time"` // packet time of the frame that completed the detection
	Event  string    `json:"event"`
	Src    string    `json:"src"`
	Dst    string    `json:"dst"`
	SSRC   string    `json:"ssrc"`
	Rule   string    `json:"rule"`
	Action string    `json:"action"`

	// detection
	Kind       string  `json:"kind,omitempty"`
	Text       string  `json:"text,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	Partial    bool    `json:"partial,omitempty"`
	StartS     float64 `json:"start_s,omitempty"` // from the stream's first sample
	EndS       float64 `json:"end_s,omitempty"`
	RTPStart   uint32  `json:"rtp_start,omitempty"` // RTP timestamps of the match
	RTPEnd     uint32  `json:"rtp_end,omitempty"`

	// enforcement
	HoldS float64 `json:"hold_s,omitempty"` // 0: the rest of the stream
	Mark  uint32  `json:"mark,omitempty"`
}

func newEvent(kind string, j *job, rule, action string, at time.Time) event {
	return event{
		Time: at, Event: kind, Rule: rule, Action: action,
		Src: j.key.SrcAddr().String(), Dst: j.key.DstAddr().String(),
		SSRC: fmt.Sprintf("0x%08x", j.key.SSRC),
	}
}

// jsonLines writes events as JSON lines to w; safe for concurrent use.
// It stands in until the observability package (cmd/spitfilter/internal/obs)
// takes the events over.
func jsonLines(w io.Writer) func(event) {
	var mu sync.Mutex
	enc := json.NewEncoder(w)
	return func(e event) {
		mu.Lock()
		defer mu.Unlock()
		enc.Encode(e)
	}
}
