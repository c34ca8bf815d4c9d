package obs

// Stats is a snapshot of the daemon's own counters, taken at scrape time.
// Counters (the uint64 fields but LiveStreams and Backlog) only grow over
// the life of the process; reloads do not reset them.
type Stats struct {
	// Packets is every packet the queues handed to the daemon.
	Packets uint64
	// Verdicts counts the packets by the verdict they got.
	Verdicts Verdicts
	// Malformed counts packets whose IP/UDP/RTP headers did not parse;
	// NotRTP counts well-formed packets that were not RTP (learning,
	// refused, other UDP). Both are accepted unchanged.
	Malformed, NotRTP uint64
	// LiveStreams is the number of streams in the stream tables now.
	LiveStreams int
	// StreamsEvicted counts streams pushed out of a full table.
	StreamsEvicted uint64
	// Detections counts detections by rule name. The map belongs to the
	// snapshot: the Source must not change it after Stats returns.
	Detections map[string]uint64
	// Backlog is the number of audio frames waiting for analysis now.
	Backlog int
	// AnalysisSkipped counts audio frames not analysed because the
	// analysis queue was full (the packets were still verdicted).
	AnalysisSkipped uint64
	// AnalysisOverRealTime counts audio frames not analysed because
	// their stream sent audio faster than real time, beyond its
	// allowance (the packets were still verdicted).
	AnalysisOverRealTime uint64
	// RecognizersMade counts the recognizers made for streams;
	// RecognizersReused those given to streams from the ones kept.
	RecognizersMade, RecognizersReused uint64
	// AudioSeconds is the audio fed to the recognizers, in seconds;
	// CPUSeconds is the CPU time they took, in seconds (with a recognizer
	// process, that process's CPU time, its model loading and recognizer
	// making included). CPUSeconds / AudioSeconds is the real-time factor.
	AudioSeconds, CPUSeconds float64
	// ReloadsOK and ReloadsFailed count configuration reloads.
	ReloadsOK, ReloadsFailed uint64
	// RecognizerProcess says the recognizers run in a process of their
	// own; RecognizerProcessStarts counts its starts (the first and each
	// after it ended) and RecognizerProcessUp says one runs now. Without a
	// recognizer process neither is exported.
	RecognizerProcess       bool
	RecognizerProcessStarts uint64
	RecognizerProcessUp     bool
}

// Verdicts counts packets by verdict. From an enforce.Stats s:
// Verdicts{Accept: s.Verdict(enforce.Accept), Mute: s.Verdict(enforce.Mute), ...}.
type Verdicts struct {
	Accept, Mute, Bleep, Drop, Mark uint64
}

// Add adds o's counts to v, for a daemon with one enforcer per queue.
func (v *Verdicts) Add(o Verdicts) {
	v.Accept += o.Accept
	v.Mute += o.Mute
	v.Bleep += o.Bleep
	v.Drop += o.Drop
	v.Mark += o.Mark
}

// Source is what the Collector reads at each scrape. Stats must be safe to
// call from the scraping goroutine while the daemon runs; it may allocate
// (the packet path does not call it).
type Source interface {
	Stats() Stats
}

// SourceFunc adapts a function to Source.
type SourceFunc func() Stats

// Stats calls f.
func (f SourceFunc) Stats() Stats { return f() }
