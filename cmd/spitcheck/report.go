package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spitfilter/spitfilter/rtpflow"
)

// report is spitcheck's output. The JSON field names of the DESIGN contract
// are stable; more fields may be added.
type report struct {
	Engine   string          `json:"engine,omitempty"`
	Files    []string        `json:"files"`
	Streams  []streamReport  `json:"streams"`
	Captures []captureReport `json:"captures"`
}

type captureReport struct {
	File        string `json:"file"`
	Format      string `json:"format"`
	Packets     int    `json:"packets"`
	SnaplenCut  int    `json:"snaplen_truncated"`
	UDP         uint64 `json:"udp"`
	RTP         uint64 `json:"rtp"`
	RTCP        uint64 `json:"rtcp"`
	NotRTP      uint64 `json:"udp_not_rtp"`
	Learning    uint64 `json:"rtp_unconfirmed"`
	Refused     uint64 `json:"rtp_refused"`
	Malformed   uint64 `json:"malformed"`
	NotIP       uint64 `json:"not_ip"`
	NotUDP      uint64 `json:"not_udp"`
	Fragments   uint64 `json:"ip_fragments"`
	Reassembly  string `json:"fragments"`
	Reassembled uint64 `json:"datagrams_reassembled"`
	FragLost    uint64 `json:"fragments_unused"`
	Streams     int    `json:"streams"`
	Evicted     uint64 `json:"streams_evicted"`
	Error       string `json:"error,omitempty"`
}

type streamReport struct {
	File         string        `json:"file"`
	SSRC         string        `json:"ssrc"`
	Src          string        `json:"src"`
	Dst          string        `json:"dst"`
	Codec        string        `json:"codec"`
	PayloadType  uint8         `json:"payload_type"`
	Packets      uint64        `json:"packets"`
	Expected     uint64        `json:"expected"`
	Lost         int64         `json:"lost"`
	LostPercent  float64       `json:"lost_percent"`
	Duplicates   uint64        `json:"duplicates"`
	OutOfOrder   uint64        `json:"out_of_order"`
	Late         uint64        `json:"late"`
	SeqWraps     uint64        `json:"seq_wraps"`
	MaxJitter    float64       `json:"max_jitter_ms"`
	MeanJitter   float64       `json:"mean_jitter_ms"`
	PTChanges    uint64        `json:"payload_type_changes"`
	Events       uint64        `json:"telephone_events"`
	ComfortNoise uint64        `json:"comfort_noise"`
	Start        time.Time     `json:"start"`
	Duration     float64       `json:"duration_s"`
	Audio        float64       `json:"audio_s"`
	RTCP         *rtcpReport   `json:"rtcp,omitempty"`
	Ended        string        `json:"ended"`
	WAV          string        `json:"wav,omitempty"`
	Speech       *speechReport `json:"speech,omitempty"`
	Detections   []detection   `json:"detections"`
	Verdict      string        `json:"verdict"`
}

type rtcpReport struct {
	SenderReports   uint64     `json:"sender_reports"`
	ReceiverReports uint64     `json:"receiver_reports"`
	RemoteLost      int32      `json:"remote_lost"`
	RemoteJitter    uint32     `json:"remote_jitter"`
	Bye             *time.Time `json:"bye,omitempty"`
	// RTPAfterBye counts the stream's RTP packets that came after a BYE
	// (their audio is analysed all the same).
	RTPAfterBye uint64 `json:"rtp_after_bye,omitempty"`
}

// detection is a banned word, phrase or pattern heard in a stream.
type detection struct {
	Rule       string  `json:"rule"`
	Kind       string  `json:"kind"`
	Text       string  `json:"text"`
	Start      float64 `json:"start_s"`
	End        float64 `json:"end_s"`
	Confidence float64 `json:"confidence"`
	Action     string  `json:"action"`
	At         float64 `json:"detected_at_s"`
	RTPStart   uint32  `json:"rtp_start"`
	RTPEnd     uint32  `json:"rtp_end"`
	Partial    bool    `json:"partial,omitempty"`
}

// speechReport is what the recognizer did with a stream.
type speechReport struct {
	Speech     float64 `json:"speech_s"`
	Utterances int     `json:"utterances"`
	Words      int     `json:"words"`
	Error      string  `json:"error,omitempty"`
	Transcript string  `json:"transcript,omitempty"`
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func (r *report) add(f *fileResult) {
	r.Files = append(r.Files, f.name)
	c := captureReport{
		File: f.name, Format: f.format, Packets: f.records, SnaplenCut: f.snapCut,
		UDP: f.decoder.UDP, RTCP: f.table.RTCP, NotRTP: f.table.NotRTP,
		Refused: f.table.Refused, Malformed: f.table.Malformed,
		NotIP: f.decoder.NotIP, NotUDP: f.decoder.NotUDP, Fragments: f.decoder.Fragments,
		Reassembly: f.reassembly, Reassembled: f.decoder.Reassembled,
		FragLost: f.decoder.FragmentsSkipped + f.decoder.FragmentsExpired + f.decoder.FragmentsOverlapping + uint64(f.decoder.PendingFragments),
		Streams:  len(f.streams), Evicted: f.table.Evicted,
	}
	if f.err != nil {
		c.Error = f.err.Error()
	}
	// Packets held while the heuristic learned a flow were counted as
	// learning; those of flows that were learned are RTP after all.
	var inStreams uint64
	for _, s := range f.streams {
		inStreams += s.stats.Packets
	}
	c.RTP, c.Learning = inStreams, f.table.RTP+f.table.Learning-inStreams
	r.Captures = append(r.Captures, c)
	for _, s := range f.streams {
		r.Streams = append(r.Streams, s.report())
	}
}

func (s *streamResult) report() streamReport {
	st := s.stats
	sr := streamReport{
		File: s.file, SSRC: fmt.Sprintf("%#08x", s.key.SSRC),
		Src: s.key.SrcAddr().String(), Dst: s.key.DstAddr().String(),
		Codec: rtpflow.CodecName(st.PayloadType), PayloadType: st.PayloadType,
		Packets: st.Packets, Expected: st.Expected, Lost: st.Lost,
		Duplicates: st.Duplicates, OutOfOrder: st.OutOfOrder, Late: st.Late, SeqWraps: st.SeqWraps,
		MaxJitter: round(st.MaxJitterMs, 3), MeanJitter: round(st.MeanJitterMs, 3),
		PTChanges: st.PayloadTypeChanges, Events: st.TelephoneEvents, ComfortNoise: st.ComfortNoise,
		Start: st.First.UTC(), Duration: round(st.Duration().Seconds(), 3), Audio: round(s.audio.Seconds(), 3),
		Ended: s.end.String(), WAV: s.wavPath, Detections: []detection{}, Verdict: "accept",
	}
	if s.detections != nil {
		sr.Detections = s.detections
		sr.Verdict = verdictOf(s.detections)
	}
	if s.speech.Audio > 0 || s.speechErr != nil {
		sr.Speech = &speechReport{Speech: round(s.speech.Speech.Seconds(), 2), Utterances: s.speech.Utterances, Words: s.speech.Words}
		if s.speechErr != nil {
			sr.Speech.Error = s.speechErr.Error()
		}
		var words []string
		for _, w := range s.transcript {
			words = append(words, strings.Fields(w.Text)...)
		}
		sr.Speech.Transcript = strings.Join(words, " ")
	}
	if st.Expected > 0 {
		sr.LostPercent = round(100*float64(st.Lost)/float64(st.Expected), 2)
	}
	if st.SenderReports > 0 || st.ReceiverReports > 0 || !st.Bye.IsZero() {
		sr.RTCP = &rtcpReport{SenderReports: st.SenderReports, ReceiverReports: st.ReceiverReports,
			RemoteLost: st.RemoteLost, RemoteJitter: st.RemoteJitter}
		if !st.Bye.IsZero() {
			bye := st.Bye.UTC()
			sr.RTCP.Bye = &bye
			sr.RTCP.RTPAfterBye = st.AfterBye
		}
	}
	if !st.Bye.IsZero() {
		sr.Ended = "bye"
	}
	return sr
}

func (r *report) detections() int {
	n := 0
	for _, s := range r.Streams {
		n += len(s.Detections)
	}
	return n
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *report) writeText(w io.Writer) error {
	var b strings.Builder
	if r.Engine != "" {
		fmt.Fprintf(&b, "speech: %s\n", r.Engine)
	}
	for _, c := range r.Captures {
		fmt.Fprintf(&b, "%s: %s, %d packets, %d UDP, %d RTP, %d RTCP, %d streams", c.File, c.Format, c.Packets, c.UDP, c.RTP, c.RTCP, c.Streams)
		if c.Fragments > 0 {
			fmt.Fprintf(&b, ", %d IP fragments %s (%d datagrams)", c.Fragments, c.Reassembly, c.Reassembled)
		}
		if c.NotRTP > 0 {
			fmt.Fprintf(&b, ", %d other UDP", c.NotRTP)
		}
		if c.Malformed > 0 {
			fmt.Fprintf(&b, ", %d malformed", c.Malformed)
		}
		if c.SnaplenCut > 0 {
			fmt.Fprintf(&b, ", %d cut by snaplen", c.SnaplenCut)
		}
		b.WriteString("\n")
		if c.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", c.Error)
		}
	}
	if len(r.Streams) == 0 {
		b.WriteString("no RTP streams found\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SSRC\tSource\tDestination\tCodec\tPackets\tLost\tDup\tOoO\tMax jitter\tMean jitter\tDuration\tVerdict\t")
	multi := len(r.Files) > 1
	for _, s := range r.Streams {
		ssrc := s.SSRC
		if multi {
			ssrc = s.File + " " + ssrc
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d (%.1f%%)\t%d\t%d\t%.2f ms\t%.2f ms\t%.2f s\t%s\t\n",
			ssrc, s.Src, s.Dst, s.Codec, s.Packets, s.Lost, s.LostPercent, s.Duplicates, s.OutOfOrder,
			s.MaxJitter, s.MeanJitter, s.Duration, s.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var tail strings.Builder
	for _, s := range r.Streams {
		var notes []string
		if s.Events > 0 {
			notes = append(notes, fmt.Sprintf("%d telephone-event packets", s.Events))
		}
		if s.ComfortNoise > 0 {
			notes = append(notes, fmt.Sprintf("%d comfort-noise packets", s.ComfortNoise))
		}
		if s.SeqWraps > 0 {
			notes = append(notes, fmt.Sprintf("sequence wrapped %d×", s.SeqWraps))
		}
		if s.PTChanges > 0 {
			notes = append(notes, fmt.Sprintf("%d payload type changes", s.PTChanges))
		}
		if s.RTCP != nil && s.RTCP.Bye != nil {
			notes = append(notes, "RTCP BYE")
			if n := s.RTCP.RTPAfterBye; n > 0 {
				notes = append(notes, fmt.Sprintf("%d RTP packets after the BYE", n))
			}
		}
		if s.WAV != "" {
			notes = append(notes, "audio in "+s.WAV)
		}
		for _, d := range s.Detections {
			notes = append(notes, fmt.Sprintf("%s %q at %.2f-%.2f s (confidence %.2f) -> %s", d.Kind, d.Rule, d.Start, d.End, d.Confidence, d.Action))
		}
		if s.Speech != nil && s.Speech.Error != "" {
			notes = append(notes, "speech recognition failed: "+s.Speech.Error)
		}
		if s.Speech != nil && s.Speech.Transcript != "" {
			notes = append(notes, fmt.Sprintf("heard %q", s.Speech.Transcript))
		}
		if len(notes) > 0 {
			fmt.Fprintf(&tail, "%s: %s\n", s.SSRC, strings.Join(notes, "; "))
		}
	}
	if tail.Len() > 0 {
		_, err := io.WriteString(w, "\n"+tail.String())
		return err
	}
	return nil
}
