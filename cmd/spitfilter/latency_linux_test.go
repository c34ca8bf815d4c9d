//go:build linux

package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
)

var kernelStreams = flag.Int("capacity.kernel-streams", 16, "concurrent calls of TestKernelDetectToMute")

// startDaemonWith runs the daemon in-process as startDaemon does, with the
// corpus's banned phrases in the given mode, the given analysis pool and
// its recognizers where recs says.
func (l *netLab) startDaemonWith(t *testing.T, mode config.Mode, workers int, recs Recognizers) (*daemon, *eventLog, func()) {
	t.Helper()
	banned, err := os.ReadFile(filepath.Join("..", "..", "testdata", "corpus", "banned.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	y := fmt.Sprintf("queue: %q\nrtp_ports: %d\nmode: %s\n%s", strconv.Itoa(labQueue), labPort, mode, banned)
	cfg, err := config.Parse("lab.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return l.runDaemon(t, cfg, slog.LevelWarn, workers, recs)
}

// marked returns the call's payloads with the codec's digital silence (the
// byte a mute writes) replaced by the other zero of the codec (µ-law 0x7f
// for 0xff; A-law 0x55, -8, for 0xd5, +8), so that a muted packet can be
// told from a silent one at the receiver.
func marked(c *corpusCall) [][]byte {
	silence, other := byte(0xFF), byte(0x7F)
	if c.pt == 8 {
		silence, other = 0xD5, 0x55
	}
	out := make([][]byte, len(c.payloads))
	for k, p := range c.payloads {
		if p == nil {
			continue
		}
		q := append([]byte(nil), p...)
		for i := range q {
			if q[i] == silence {
				q[i] = other
			}
		}
		out[k] = q
	}
	return out
}

// TestKernelDetectToMute confirms one point of BenchmarkAnalysisCapacity's
// detection-to-mute latency through the real kernel path: concurrent corpus
// calls (half of them spam) sent at real-time pace through NFQUEUE to the
// daemon (keyword mode, one analysis worker), the muted packets found at
// the receiver. It runs only with -capacity (it takes about a minute) and
// as root. The figures are logged; the test checks that every packet came
// through, that nothing was muted before its call's phrase began and that
// spam was muted.
func TestKernelDetectToMute(t *testing.T) {
	if !*capacityOn {
		t.Skip("a minute of real-time calls: run with -capacity (make bench-capacity)")
	}
	requireRoot(t)
	// The shipped default (the recognizers in their own process), then
	// the recognizers in the daemon's process.
	for _, recs := range []Recognizers{RecognizersProcess, RecognizersInline} {
		t.Run(recs.String(), func(t *testing.T) { kernelDetectToMute(t, recs) })
	}
}

func kernelDetectToMute(t *testing.T, recs Recognizers) {
	spam, other := corpusCalls(t, *capacitySmall)
	lab := newNetLab(t)
	rx := lab.receive(t)
	csum := lab.udpCsumErrors(t)
	_, ev, stop := lab.startDaemonWith(t, config.ModeKeyword, 1, recs)

	n := max(2, *kernelStreams)
	const rounds = 2
	stagger := min(1500*time.Millisecond, 10*time.Second/time.Duration(n))
	type kcall struct {
		c         *corpusCall
		ssrc      uint32
		payloads  [][]byte
		startTick int
		sent      int
	}
	type slot struct {
		fd       int
		playlist []*corpusCall
		next     int
		cur      *kcall
		begin    int
	}
	var calls []*kcall
	slots := make([]*slot, n)
	for s := range slots {
		sl := &slot{fd: lab.sender(t, 4000+2*s), begin: int(time.Duration(s) * stagger / packetTime)}
		for i := range rounds {
			if s < n/2 {
				sl.playlist = append(sl.playlist, &spam[(s*rounds+i)%len(spam)])
			} else {
				sl.playlist = append(sl.playlist, &other[(s*rounds+i)%len(other)])
			}
		}
		slots[s] = sl
	}
	start := time.Now()
	sent := 0
	for t0 := 0; ; t0++ {
		if d := time.Until(start.Add(time.Duration(t0) * packetTime)); d > 0 {
			time.Sleep(d)
		}
		busy := false
		for _, sl := range slots {
			if t0 < sl.begin {
				busy = true
				continue
			}
			if sl.cur != nil && t0-sl.cur.startTick >= len(sl.cur.payloads) {
				sl.cur = nil
			}
			if sl.cur == nil {
				if sl.next == len(sl.playlist) {
					continue
				}
				c := sl.playlist[sl.next]
				sl.next++
				sl.cur = &kcall{c: c, ssrc: 0x6000_0000 | uint32(len(calls)), payloads: marked(c), startTick: t0}
				calls = append(calls, sl.cur)
			}
			busy = true
			k := t0 - sl.cur.startTick
			if p := sl.cur.payloads[k]; p != nil {
				if _, err := unix.Write(sl.fd, rtp(sl.cur.c.pt, uint16(k), uint32(8000+k*160), sl.cur.ssrc, p)); err != nil {
					t.Fatalf("send: %v", err)
				}
				sl.cur.sent++
				sent++
			}
		}
		if !busy {
			break
		}
	}
	got := rx.settle(sent)
	waiting, dropped, userDropped, _, _ := lab.queueCounters(t)
	stop()
	if len(got) != sent {
		t.Fatalf("received %d of %d packets; kernel queue: %d waiting, %d dropped, %d user-dropped; %d UDP checksum errors at the receiver",
			len(got), sent, waiting, dropped, userDropped, lab.udpCsumErrors(t)-csum)
	}
	bySSRC := map[uint32]*kcall{}
	for _, c := range calls {
		bySSRC[c.ssrc] = c
	}
	firstMute := map[*kcall]int{}
	for _, p := range got {
		c := bySSRC[ssrcOf(p)]
		if c == nil {
			t.Fatalf("received a packet of SSRC %#x, which was not sent", ssrcOf(p))
		}
		k := int(seqOf(p))
		silence := byte(0xFF)
		if c.c.pt == 8 {
			silence = 0xD5
		}
		muted := len(p) == 12+len(c.payloads[k])
		for _, b := range p[12:] {
			muted = muted && b == silence
		}
		if muted {
			if f, ok := firstMute[c]; !ok || k < f {
				firstMute[c] = k
			}
		}
	}
	var lat, frame []float64
	spamCalls, falseMutes, wrongFirst := 0, 0, 0
	events := ev.all()
	for _, c := range calls {
		it := c.c.item
		f, muted := firstMute[c]
		var det *event
		for i := range events {
			if events[i].Event == eventDetection && events[i].Key.SSRC == c.ssrc {
				det = &events[i]
				break
			}
		}
		if muted && det == nil {
			t.Errorf("call %s muted from packet %d without a detection event", it.ID, f)
		}
		mutedAt := float64(f) * packetTime.Seconds()
		switch {
		case it.Kind != "spam":
			if muted {
				falseMutes++
				t.Logf("ordinary call %s muted from %.2f s: %q detected (keyword spotting's false alarm)", it.ID, mutedAt, det.Rule)
			}
			continue
		case !c.c.aligned:
			continue
		}
		spamCalls++
		switch {
		case !muted:
			t.Logf("%s (%s): %q at %.2f-%.2f s not muted", it.ID, it.Voice, it.Phrase, it.PhraseStart, it.PhraseEnd)
			continue
		case !onPhrase(it, det.Rule, det.StartS):
			wrongFirst++
			t.Logf("%s: muted from %.2f s on %q heard at %.2f s, not its phrase %q at %.2f s (keyword spotting's false alarm)", it.ID, mutedAt, det.Rule, det.StartS, it.Phrase, it.PhraseStart)
			continue
		case mutedAt < det.EndS:
			t.Errorf("%s: muted from %.2f s, before the end of the detection at %.2f s that muted it", it.ID, mutedAt, det.EndS)
		}
		lat = append(lat, mutedAt-it.PhraseEnd)
		fs := det.Time.Sub(start.Add(time.Duration(c.startTick) * packetTime)).Seconds()
		frame = append(frame, fs-it.PhraseEnd)
		t.Logf("%s: %q ends %.2f s, completing frame arrived +%.0f ms, first muted packet +%.0f ms", it.ID, it.Phrase, it.PhraseEnd, 1000*(fs-it.PhraseEnd), 1000*(mutedAt-it.PhraseEnd))
	}
	if len(lat) == 0 {
		t.Fatalf("none of %d spam calls muted", spamCalls)
	}
	p50, p95, mx := percentiles(lat)
	t.Logf("kernel path, recognizers %s, %d concurrent calls (%d spam slots), keyword mode, 1 worker: %d of %d spam calls muted on their phrase, %d first on a false alarm, %d ordinary calls muted; phrase end → first muted packet p50 %.0f ms, p95 %.0f ms, max %.0f ms; load %s",
		recs, n, n/2, len(lat), spamCalls, wrongFirst, falseMutes, 1000*p50, 1000*p95, 1000*mx, loadString())
	if len(frame) > 0 {
		p50, p95, mx = percentiles(frame)
		t.Logf("phrase end → arrival of the frame that completed the detection: p50 %.0f ms, p95 %.0f ms, max %.0f ms", 1000*p50, 1000*p95, 1000*mx)
	}
}
