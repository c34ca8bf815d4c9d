package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spitfilter/spitfilter/cmd/internal/speech"
	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/capture"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
	"github.com/spitfilter/spitfilter/spotter"
)

// fileResult is what one capture yielded.
type fileResult struct {
	name       string
	format     string
	records    int
	snapCut    int // records cut short by the snapshot length
	decoder    packet.Stats
	table      rtpflow.TableStats
	reassembly string // "reassembled" or "skipped"
	streams    []*streamResult
	err        error
}

// streamResult is what one stream yielded.
type streamResult struct {
	file     string
	key      rtpflow.Key
	stats    rtpflow.Stats
	end      rtpflow.EndReason
	wavPath  string
	audio    time.Duration // decoded audio, gaps filled
	audioErr error

	detections []detection
	speech     spotter.ListenerStats
	speechErr  error
	transcript []spotter.Word
}

// analyzeFile runs the pipeline on one capture: capture records -> IP/UDP
// -> RTP streams -> PCM. It returns nil and an error when the file cannot
// be read as a capture at all, and a partial result and an error when it
// breaks off.
func analyzeFile(ctx context.Context, name string, stdin io.Reader, o *options, stderr io.Writer) (*fileResult, error) {
	disp := displayName(name)
	var in io.Reader
	var size int64 = -1
	if name == "-" {
		in = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			if fi.IsDir() {
				return nil, fmt.Errorf("%s: is a directory, not a capture", name)
			}
			size = fi.Size()
		}
		in = f
	}
	rd, err := capture.NewReader(in, disp)
	if err != nil {
		return nil, err
	}
	res := &fileResult{name: disp, format: rd.Format(), reassembly: "reassembled"}
	if o.noReassembly {
		res.reassembly = "skipped"
	}
	sink := &audioSink{file: disp, o: o, res: res}
	tab := rtpflow.NewTable(rtpflow.Config{
		Ports:         o.ports,
		NoHeuristic:   o.noHeuristic,
		ReorderWindow: o.reorder,
	}, sink)
	dec := packet.NewDecoder(packet.DecoderConfig{Reassemble: !o.noReassembly})
	prog := newProgress(stderr, disp, size, o.progress)
	var u packet.UDP
	for {
		data, info, err := rd.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				res.err = err
			}
			break
		}
		res.records++
		if info.CaptureLength < info.Length {
			res.snapCut++
		}
		if kind, _ := dec.Decode(info.LinkType, data, info.Timestamp, &u); kind == packet.KindUDP {
			tab.Handle(&u, info.Timestamp)
		}
		if res.records&1023 == 0 {
			prog.update(rd.Offset())
			if ctx.Err() != nil {
				res.err = fmt.Errorf("%s: interrupted after %d packets", disp, res.records)
				break
			}
		}
	}
	prog.done()
	tab.Flush()
	res.decoder, res.table = dec.Stats(), tab.Stats()
	sort.SliceStable(res.streams, func(i, j int) bool {
		a, b := res.streams[i].stats.First, res.streams[j].stats.First
		if !a.Equal(b) {
			return a.Before(b)
		}
		return res.streams[i].key.String() < res.streams[j].key.String()
	})
	if res.err != nil {
		return res, fmt.Errorf("%w; the report covers the first %d packets", res.err, res.records)
	}
	return res, nil
}

// audioSink decodes each stream's frames to PCM and, when asked, writes
// them to a WAV file per stream.
type audioSink struct {
	file string
	o    *options
	res  *fileResult
	pcm  []int16
	up   []int16
	seen map[string]int
}

// streamAudio is a stream's decoding state, hung on rtpflow.Stream.Tag.
type streamAudio struct {
	res     *streamResult
	codec   decode.Codec
	up      *decode.Upsampler
	out     *os.File
	wav     *decode.WAVWriter
	skip    int   // resampler delay still to drop from the output
	samples int64 // at 8 kHz

	listener *spotter.Listener
	firstTS  uint64 // RTP timestamp of the stream's first audio sample
	started  bool
	found    []spotter.Detection
}

func (a *audioSink) state(s *rtpflow.Stream) *streamAudio {
	if st, ok := s.Tag.(*streamAudio); ok {
		return st
	}
	st := &streamAudio{res: &streamResult{file: a.file, key: s.Key}}
	s.Tag = st
	return st
}

// Frame decodes one frame; lost audio becomes silence.
func (a *audioSink) Frame(s *rtpflow.Stream, f *rtpflow.Frame) {
	st := a.state(s)
	codec := decode.CodecForPayloadType(f.PayloadType)
	if codec == decode.Unknown {
		return
	}
	st.codec = codec
	if !st.started {
		st.started, st.firstTS = true, f.Timestamp-uint64(f.GapSamples)
	}
	a.pcm = decode.AppendSilence(a.pcm[:0], f.GapSamples)
	a.pcm = codec.AppendDecode(a.pcm, f.Payload)
	st.samples += int64(len(a.pcm))
	a.listen(st, a.pcm)
	if a.o.wavDir == "" || st.res.audioErr != nil {
		return
	}
	if st.wav == nil {
		if err := a.openWAV(s, st); err != nil {
			st.res.audioErr = err
			return
		}
	}
	pcm := a.pcm
	if st.up != nil {
		a.up = st.up.AppendProcess(a.up[:0], pcm)
		pcm = a.up
		if st.skip > 0 { // align: the filter's delay is not audio
			n := min(st.skip, len(pcm))
			pcm, st.skip = pcm[n:], st.skip-n
		}
	}
	if err := st.wav.Write(pcm); err != nil {
		st.res.audioErr = fmt.Errorf("%s: %w", st.res.wavPath, err)
	}
}

func (a *audioSink) openWAV(s *rtpflow.Stream, st *streamAudio) error {
	base := fmt.Sprintf("%s-%08x-%s-%s", filepath.Base(a.file), s.Key.SSRC, s.Key.SrcAddr(), s.Key.DstAddr())
	base = sanitize(base)
	if a.seen == nil {
		a.seen = map[string]int{}
	}
	if n := a.seen[base]; n > 0 {
		a.seen[base] = n + 1
		base = fmt.Sprintf("%s-%d", base, n+1)
	} else {
		a.seen[base] = 1
	}
	path := filepath.Join(a.o.wavDir, base+".wav")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	st.out, st.res.wavPath = f, path
	st.wav = decode.NewWAVWriter(f, a.o.wavRate)
	if a.o.wavRate == 16000 {
		st.up = decode.NewUpsampler()
		st.skip = st.up.Delay()
	}
	return nil
}

// listen feeds the stream's audio to its listener, made at its first
// audio.
func (a *audioSink) listen(st *streamAudio, pcm []int16) {
	sp := a.o.speech
	if sp == nil || st.res.speechErr != nil {
		return
	}
	if st.listener == nil {
		l, err := spotter.NewListener(sp.engine, sp.matcher, sp.cfg)
		if err != nil {
			st.res.speechErr = err
			return
		}
		st.listener = l
	}
	var err error
	st.found, err = st.listener.Write(st.found[:0], pcm)
	a.keep(st)
	if err != nil {
		st.res.speechErr = err
	}
}

// keep turns the listener's detections into the report's.
func (a *audioSink) keep(st *streamAudio) {
	for _, d := range st.found {
		st.res.detections = append(st.res.detections, detection{
			Rule: d.Rule, Kind: string(d.Kind), Text: d.Text,
			Start: round(d.Start.Seconds(), 2), End: round(d.End.Seconds(), 2),
			Confidence: round(d.Confidence, 3), Action: d.Action, Partial: d.Partial, At: round(d.At.Seconds(), 2),
			RTPStart: speech.RTPTimestamp(st.firstTS, d.Start),
			RTPEnd:   speech.RTPTimestamp(st.firstTS, d.End),
		})
	}
	st.found = st.found[:0]
}

// End finishes a stream: its WAV file is closed and its result kept.
func (a *audioSink) End(s *rtpflow.Stream, why rtpflow.EndReason) {
	st := a.state(s)
	if st.listener != nil {
		var err error
		st.found, err = st.listener.Flush(st.found[:0])
		a.keep(st)
		if err != nil && st.res.speechErr == nil {
			st.res.speechErr = err
		}
		st.res.speech = st.listener.Stats()
		st.res.transcript = st.listener.Transcript()
		st.listener.Close()
		st.listener = nil
	}
	if st.wav != nil {
		if st.up != nil { // drain the resampler's delay line
			a.up = st.up.AppendProcess(a.up[:0], make([]int16, (st.up.Delay()+1)/2))
			n := st.up.Delay() - st.skip // the part of the tail that is audio
			if err := st.wav.Write(a.up[:max(0, min(n, len(a.up)))]); err != nil && st.res.audioErr == nil {
				st.res.audioErr = err
			}
		}
		if err := st.wav.Close(); err != nil && st.res.audioErr == nil {
			st.res.audioErr = fmt.Errorf("%s: %w", st.res.wavPath, err)
		}
		if err := st.out.Close(); err != nil && st.res.audioErr == nil {
			st.res.audioErr = fmt.Errorf("%s: %w", st.res.wavPath, err)
		}
	}
	st.res.stats, st.res.end = s.Stats(), why
	st.res.audio = time.Duration(st.samples) * time.Second / 8000
	a.res.streams = append(a.res.streams, st.res)
}
