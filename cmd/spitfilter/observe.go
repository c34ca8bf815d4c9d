package main

import (
	"time"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/obs"
	"github.com/spitfilter/spitfilter/enforce"
)

// obsEvent is e as the observability package writes and hooks it.
func obsEvent(e event) obs.Event {
	return obs.Event{
		Time: e.Time, Type: obs.EventType(e.Event), Stream: obs.StreamOf(e.Key),
		Rule: e.Rule, Kind: e.Kind, Text: e.Text, Confidence: e.Confidence, Action: e.Action,
		StartS: e.StartS, EndS: e.EndS, RTPStart: e.RTPStart, RTPEnd: e.RTPEnd,
		Hold: time.Duration(e.HoldS * float64(time.Second)), Mark: e.Mark,
	}
}

// obsStats is the daemon's snapshot as the metrics collector reads it.
func (d *daemon) obsStats() obs.Stats {
	s := d.stats()
	o := obs.Stats{
		Verdicts: obs.Verdicts{
			Accept: s.Enforce.Verdict(enforce.Accept), Mute: s.Enforce.Verdict(enforce.Mute),
			Bleep: s.Enforce.Verdict(enforce.Bleep), Drop: s.Enforce.Verdict(enforce.Drop),
			Mark: s.Enforce.Verdict(enforce.Mark),
		},
		LiveStreams:          int(s.Analysis.LiveStreams),
		Detections:           s.Analysis.ByRule,
		Backlog:              int(s.Analysis.Backlog),
		AnalysisSkipped:      s.Analysis.FramesSkipped,
		AnalysisOverRealTime: s.Analysis.FramesOverRealTime,
		RecognizersMade:      s.RecognizersMade,
		RecognizersReused:    s.RecognizersReused,
		AudioSeconds:         s.Analysis.Audio.Seconds(),
		CPUSeconds:           s.Analysis.Busy.Seconds(),
		ReloadsOK:            s.Reloads,
		ReloadsFailed:        s.ReloadErrors,
	}
	if d.remote != nil {
		o.RecognizerProcess = true
		o.RecognizerProcessStarts, o.RecognizerProcessUp = s.Process.Starts, s.Process.Running
		// The recognizer process's own CPU time: the workers' time in
		// the listener no longer includes the decoding, which runs
		// there while the audio is sent without waiting.
		o.CPUSeconds = s.Process.CPU.Seconds()
	}
	for _, q := range s.Queues {
		o.Packets += q.Packets
		o.Malformed += q.Malformed
		o.NotRTP += q.NotUDP + q.NotStream
	}
	return o
}
