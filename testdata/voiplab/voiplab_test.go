package voiplab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/pion/rtp"
)

// Addresses of the lab (run.sh).
var (
	callerIP = netip.MustParseAddr("10.77.1.2")
	mediaIP  = netip.MustParseAddr("10.77.0.1")
	calleeIP = netip.MustParseAddr("10.77.2.2")
)

const (
	phrase  = "car warranty" // the banned phrase of spitfilter.yaml, spoken in the spam message
	frameS  = 0.020          // envelope frame, seconds
	silent  = 0.002          // frame RMS (full scale 1) below this is silence: -54 dBFS
	runTime = 100 * time.Second
)

// tools run.sh needs; a missing one fails the test (make deps installs them).
var tools = []string{"ip", "iptables", "kamailio", "rtpengine", "baresip", "flite", "sox",
	"tcpdump", "tshark", "pocketsphinx_continuous", "python3", "flock", "bash"}

// TestLiveCall places real calls through "spitfilter run" and checks what the
// callee heard, from the callee's recording, the daemon's events and a capture
// in the media namespace. Each mode is one run of run.sh (about 15 s).
func TestLiveCall(t *testing.T) {
	if testing.Short() {
		t.Skip("voiplab: live SIP calls through spitfilter (about 40 s); skipped with -short")
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("voiplab: needs root on Linux (network namespaces, iptables, NFQUEUE); run as root: go test ./testdata/voiplab/")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("voiplab needs %s, which is not installed: run make deps", tool)
		}
	}
	bin := buildSpitfilter(t)
	work := t.TempDir() // the WAVs made by the first run are reused by the second
	t.Cleanup(func() { teardown(t, work) })

	tests := []struct {
		mode  string
		check func(t *testing.T, c *call)
	}{
		{"spam", checkSpam},
		{"clean", checkClean},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			out, err := runLab(t, bin, work, tt.mode)
			t.Logf("run.sh %s:\n%s", tt.mode, out)
			if err != nil {
				t.Errorf("run.sh %s: %v (its own verdict; the checks below say what differs)", tt.mode, err)
			}
			c, err := loadCall(filepath.Join(work, "res-"+tt.mode), filepath.Join(work, tt.mode+"-phrase-end.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if c.queued < 400 {
				t.Errorf("iptables: the NFQUEUE rule with --queue-bypass took %d packets, want > 400 (rules as applied:\n%s)", c.queued, c.rules)
			}
			if c.daemonPackets < 400 {
				t.Errorf("spitfilter judged %d packets, want > 400 (a 10 s call both ways): was the NFQUEUE rule in place?", c.daemonPackets)
			}
			tt.check(t, c)
		})
	}
}

func checkSpam(t *testing.T, c *call) {
	var det, enf *event
	for i := range c.events {
		e := &c.events[i]
		switch {
		case e.Type == "detection" && det == nil:
			det = e
		case e.Type == "enforce_start" && enf == nil:
			enf = e
		}
	}
	if det == nil || enf == nil {
		t.Fatalf("events: want a detection and an enforce_start, have %d event(s): %+v", len(c.events), c.events)
	}
	if det.Rule != phrase || det.Action != "mute" {
		t.Errorf("detection: rule %q action %q, want rule %q action mute", det.Rule, det.Action, phrase)
	}
	src, err := netip.ParseAddrPort(det.Stream.Src)
	if err != nil || src.Addr() != callerIP || enf.Stream != det.Stream {
		t.Errorf("detection on stream %+v, enforcement on %+v: want both on the caller's stream from %v", det.Stream, enf.Stream, callerIP)
	}
	for _, e := range c.events {
		if e.Type == "detection" && e.Stream != det.Stream {
			t.Errorf("detection of %q on stream %+v as well: only the caller's stream says the phrase", e.Rule, e.Stream)
		}
	}
	if c.phraseEnd == 0 {
		t.Fatal("no phrase end: pocketsphinx keyword spotting did not find the phrase in the sent message")
	}
	if math.Abs(det.EndS-c.phraseEnd) > 0.5 {
		t.Errorf("detection ends at %.2f s of the stream, the phrase at %.2f s of the message: more than 0.5 s apart", det.EndS, c.phraseEnd)
	}
	// The daemon stamps events with the packet time of the frame that
	// completed the detection; the mute applies to the packets after the
	// slow path finished, which the capture shows: the first muted packet.
	t0, ok := c.firstPacket(callerIP, mediaIP)
	if !ok {
		t.Fatal("capture: no RTP from the caller to rtpengine")
	}
	tm, ok := c.firstMuted()
	if !ok {
		t.Fatal("capture: no muted packet to the callee")
	}
	at, muteAt := enf.Time.Sub(t0).Seconds(), tm.Sub(t0).Seconds()
	lag := c.lag(muteAt)
	t.Logf("phrase end %.2f s; detection %.2f-%.2f s, event at %.2f s (+%.2f s); first muted packet at %.2f s (+%.2f s); callee silent from %.2f s (recording lag %.0f ms); %d packets muted",
		c.phraseEnd, det.StartS, det.EndS, at, at-c.phraseEnd, muteAt, muteAt-c.phraseEnd, c.silentFrom()-lag, lag*1000, c.muted())

	// speech before the phrase end (or the mute, if that came first)
	upTo := math.Min(c.phraseEnd, muteAt)
	sent, heard := rmsOf(c.sentEnv, 0, upTo), rmsOf(c.heardEnv, lag, lag+upTo)
	if heard < 0.5*sent {
		t.Errorf("callee heard rms %.4f before %.2f s, the caller sent %.4f: the start of the message is missing", heard, upTo, sent)
	}
	// every packet after the first muted one is muted (hold 0: the rest of the stream)
	if n := c.unmutedAfter(tm); n > 0 {
		t.Errorf("capture: %d packets with the caller's speech reached the callee after the first muted one at %.2f s", n, muteAt)
	}
	// silence from shortly after the mute to the end of the call
	if i, peak := c.loudestFrom(muteAt + lag + 0.5); peak >= silent {
		t.Errorf("callee audio not silent after the mute: frame at %.2f s of the recording has rms %.4f (>= %.4f); first muted packet at %.2f s + 0.5 s",
			float64(i)*frameS, peak, silent, muteAt)
	}
	// and the silence covers speech the caller sent (not only the message's own tail)
	if s := speechFrom(c.sentEnv, muteAt+0.5); s < 1 {
		t.Errorf("only %.2f s of the sent speech lies after the mute (+0.5 s), want >= 1 s: the silence proves nothing", s)
	}
	if n := c.muted(); n < 100 {
		t.Errorf("capture: %d packets to the callee muted (0xFF where the caller sent speech), want >= 100", n)
	}
}

func checkClean(t *testing.T, c *call) {
	for _, e := range c.events {
		if e.Type == "detection" || e.Type == "enforce_start" {
			t.Errorf("event %s for rule %q on %+v: want none in a clean call", e.Type, e.Rule, e.Stream)
		}
	}
	if n := c.muted(); n != 0 {
		t.Errorf("capture: %d packets to the callee muted (0xFF where the caller sent speech), want 0", n)
	}
	out, err := exec.Command("python3", "wavcheck.py", c.sentPath, c.heardPath).CombinedOutput()
	if err != nil {
		t.Errorf("wavcheck.py %s %s: %v\n%s", c.sentPath, c.heardPath, err, out)
	}
	m := regexp.MustCompile(`envelope_corr=([-0-9.]+) sample_corr=([-0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("wavcheck.py: no correlations in its output:\n%s", out)
	}
	env, _ := strconv.ParseFloat(string(m[1]), 64)
	smp, _ := strconv.ParseFloat(string(m[2]), 64)
	t.Logf("wavcheck: envelope_corr %.4f sample_corr %.4f", env, smp)
	if env < 0.95 || smp < 0.95 {
		t.Errorf("callee's recording vs sent audio: envelope_corr %.4f, sample_corr %.4f; want both >= 0.95 (unaltered G.711)", env, smp)
	}
	if s := speechFrom(c.sentEnv, 0); s < 3 {
		t.Errorf("sent message has %.2f s of speech, want >= 3 s", s)
	}
}

// buildSpitfilter builds the daemon from this tree into a temporary dir.
func buildSpitfilter(t *testing.T) string {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Fatal("no go command to build spitfilter with")
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(gobin, "build", "-o", dir, "../../cmd/spitfilter")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/spitfilter: %v\n%s", err, out)
	}
	return filepath.Join(dir, "spitfilter")
}

// runLab runs "bash run.sh MODE". On timeout run.sh gets SIGTERM, so its trap
// tears the lab down.
func runLab(t *testing.T, bin, work, mode string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTime)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "run.sh", mode)
	// batch, not the default idle: go test runs other packages' tests beside
	// this one, and the test checks that the call is heard
	cmd.Env = append(os.Environ(), "WORK="+work, "SPITFILTER="+bin, "ASR=0", "ANALYSIS_PRIORITY=batch")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("did not finish within %v: %w", runTime, err)
	}
	return out.String(), err
}

func teardown(t *testing.T, work string) {
	cmd := exec.Command("bash", "run.sh", "teardown")
	cmd.Env = append(os.Environ(), "WORK="+work)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("run.sh teardown: %v\n%s", err, out)
	}
}

// event is one line of spitfilter's events file (the fields used here).
type event struct {
	Time   time.Time `json:"time"`
	Type   string    `json:"type"`
	Stream struct {
		Src, Dst, SSRC string
	} `json:"stream"`
	Rule   string  `json:"rule"`
	Action string  `json:"action"`
	StartS float64 `json:"start_s"`
	EndS   float64 `json:"end_s"`
}

// rtpPacket is one PCMU packet of the capture.
type rtpPacket struct {
	at       time.Time
	src, dst netip.Addr
	ssrc     uint32
	seq      uint16
	silence  bool // payload all 0xFF: u-law silence
}

// call is what one run.sh call left in its result directory.
type call struct {
	sentPath, heardPath string
	sentEnv, heardEnv   []float64 // 20 ms frame RMS, full scale 1
	events              []event
	rtp                 []rtpPacket
	phraseEnd           float64 // seconds into the sent message; 0: not found
	daemonPackets       int     // "spitfilter run" judged, from its log
	queued              int     // packets the NFQUEUE rule took, from iptables-save -c
	rules               []byte  // iptables-save -c of vl-media after the call
}

func loadCall(dir, phraseEndPath string) (*call, error) {
	c := &call{sentPath: filepath.Join(dir, "sent.wav"), heardPath: filepath.Join(dir, "callee-heard.wav")}
	var err error
	if c.sentEnv, err = envelopeOf(c.sentPath); err != nil {
		return nil, err
	}
	if c.heardEnv, err = envelopeOf(c.heardPath); err != nil {
		return nil, err
	}
	if c.events, err = readEvents(filepath.Join(dir, "events.jsonl")); err != nil {
		return nil, err
	}
	if c.rtp, err = readRTP(filepath.Join(dir, "media.pcap")); err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(phraseEndPath); err == nil && len(bytes.TrimSpace(b)) > 0 {
		if c.phraseEnd, err = strconv.ParseFloat(string(bytes.TrimSpace(b)), 64); err != nil {
			return nil, fmt.Errorf("%s: %w", phraseEndPath, err)
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, "spitfilter.log"))
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`msg=stopped packets=(\d+)`).FindSubmatch(log)
	if m == nil {
		return nil, fmt.Errorf("%s: no \"stopped packets=N\" line: the daemon did not stop cleanly\n%s", filepath.Join(dir, "spitfilter.log"), log)
	}
	c.daemonPackets, _ = strconv.Atoi(string(m[1]))
	if c.rules, err = os.ReadFile(filepath.Join(dir, "iptables-counters.txt")); err != nil {
		return nil, err
	}
	// "[packets:bytes] -A INPUT ... -j NFQUEUE --queue-num 5 --queue-bypass", in any table
	for _, m := range regexp.MustCompile(`(?m)^\[(\d+):\d+\] -A INPUT .*-j NFQUEUE --queue-num 5 --queue-bypass`).FindAllSubmatch(c.rules, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		c.queued += n
	}
	return c, nil
}

func readEvents(path string) ([]event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spitfilter events: %w", err)
	}
	defer f.Close()
	var evs []event
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		evs = append(evs, e)
	}
	return evs, sc.Err()
}

// readRTP reads the PCMU packets of the capture tcpdump made in the media
// namespace (any interface: Linux cooked v2), with gopacket and pion/rtp
// rather than spitfilter's own parser.
func readRTP(path string) ([]rtpPacket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var pkts []rtpPacket
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) { // tcpdump stopped mid-write
			return pkts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: packet %d: %w", path, len(pkts)+1, err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		udp, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if ip == nil || udp == nil {
			continue
		}
		var h rtp.Packet
		if h.Unmarshal(udp.Payload) != nil || h.Version != 2 || h.PayloadType != 0 || len(h.Payload) == 0 {
			continue // SIP, RTCP, other
		}
		src, _ := netip.AddrFromSlice(ip.SrcIP)
		dst, _ := netip.AddrFromSlice(ip.DstIP)
		pkts = append(pkts, rtpPacket{at: ci.Timestamp, src: src.Unmap(), dst: dst.Unmap(),
			ssrc: h.SSRC, seq: h.SequenceNumber, silence: bytes.Count(h.Payload, []byte{0xff}) == len(h.Payload)})
	}
}

func (c *call) firstPacket(src, dst netip.Addr) (time.Time, bool) {
	for _, p := range c.rtp {
		if p.src == src && p.dst == dst {
			return p.at, true
		}
	}
	return time.Time{}, false
}

// muted counts packets rtpengine sent the callee with a silent payload whose
// packet from the caller (same SSRC and sequence: rtpengine relays PCMU
// untouched) was not silent.
func (c *call) muted() int {
	type id struct {
		ssrc uint32
		seq  uint16
	}
	fromCaller := map[id]bool{} // silence?
	for _, p := range c.rtp {
		if p.src == callerIP && p.dst == mediaIP {
			fromCaller[id{p.ssrc, p.seq}] = p.silence
		}
	}
	n := 0
	for _, p := range c.rtp {
		if p.src == mediaIP && p.dst == calleeIP && p.silence {
			if s, ok := fromCaller[id{p.ssrc, p.seq}]; ok && !s {
				n++
			}
		}
	}
	return n
}

// firstMuted is when rtpengine sent the callee its first muted packet.
func (c *call) firstMuted() (time.Time, bool) {
	for _, p := range c.rtp {
		if p.src == mediaIP && p.dst == calleeIP && p.silence && !c.callerSilence(p) {
			return p.at, true
		}
	}
	return time.Time{}, false
}

// unmutedAfter counts the packets to the callee after t whose payload is
// not silence (the caller's speech passed).
func (c *call) unmutedAfter(t time.Time) int {
	n := 0
	for _, p := range c.rtp {
		if p.src == mediaIP && p.dst == calleeIP && p.at.After(t) && !p.silence {
			n++
		}
	}
	return n
}

// callerSilence says whether the caller's packet that p relays (same SSRC
// and sequence: rtpengine relays PCMU untouched) was silence already.
func (c *call) callerSilence(p rtpPacket) bool {
	for _, q := range c.rtp {
		if q.src == callerIP && q.dst == mediaIP && q.ssrc == p.ssrc && q.seq == p.seq {
			return q.silence
		}
	}
	return true // not relayed from the caller: not a muted packet
}

// lag is where the sent message starts in the callee's recording, in
// seconds: the best envelope correlation over the message's first upTo
// seconds (before the mute), searched from -1 s to +3 s.
func (c *call) lag(upTo float64) float64 {
	ref := c.sentEnv[:min(len(c.sentEnv), max(10, int(upTo/frameS)))]
	best, bestLag := -2.0, 0
	for l := -50; l < 150; l++ {
		var r float64
		if l >= 0 {
			r = pearson(ref, c.heardEnv[min(l, len(c.heardEnv)):])
		} else {
			r = pearson(ref[min(-l, len(ref)):], c.heardEnv)
		}
		if r > best {
			best, bestLag = r, l
		}
	}
	return float64(bestLag) * frameS
}

// silentFrom is the start of the recording's final run of silent frames, in
// seconds of the recording.
func (c *call) silentFrom() float64 {
	k := len(c.heardEnv)
	for k > 0 && c.heardEnv[k-1] < silent {
		k--
	}
	return float64(k) * frameS
}

// loudestFrom returns the loudest frame of the recording from s seconds on.
func (c *call) loudestFrom(s float64) (int, float64) {
	at, peak := -1, 0.0
	for i := max(0, int(s/frameS)); i < len(c.heardEnv); i++ {
		if c.heardEnv[i] > peak {
			at, peak = i, c.heardEnv[i]
		}
	}
	return at, peak
}

// speechFrom is how many seconds of frames louder than silence env has from
// s seconds on.
func speechFrom(env []float64, s float64) float64 {
	n := 0
	for i := max(0, int(s/frameS)); i < len(env); i++ {
		if env[i] >= silent {
			n++
		}
	}
	return float64(n) * frameS
}

func rmsOf(env []float64, from, to float64) float64 {
	i, j := max(0, int(from/frameS)), min(len(env), int(to/frameS))
	if j <= i {
		return 0
	}
	var s float64
	for _, e := range env[i:j] {
		s += e * e
	}
	return math.Sqrt(s / float64(j-i))
}

func pearson(x, y []float64) float64 {
	m := min(len(x), len(y))
	if m < 2 {
		return 0
	}
	x, y = x[:m], y[:m]
	var mx, my float64
	for i := range m {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/float64(m), my/float64(m)
	var sxy, sxx, syy float64
	for i := range m {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// envelopeOf reads an 8 kHz mono 16-bit PCM WAV and returns its 20 ms frame
// RMS, full scale 1.
func envelopeOf(path string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%s: not a RIFF/WAVE file", path)
	}
	var data []byte
	fmtOK := false
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8 : min(len(b), off+8+size)]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, fmt.Errorf("%s: fmt chunk of %d bytes, want >= 16", path, len(body))
			}
			format, ch := binary.LittleEndian.Uint16(body), binary.LittleEndian.Uint16(body[2:])
			rate, bits := binary.LittleEndian.Uint32(body[4:]), binary.LittleEndian.Uint16(body[14:])
			if format != 1 || ch != 1 || rate != 8000 || bits != 16 {
				return nil, fmt.Errorf("%s: format %d, %d channel(s), %d Hz, %d bits; want PCM (1), mono, 8000 Hz, 16 bits", path, format, ch, rate, bits)
			}
			fmtOK = true
		case "data":
			data = body
		}
		off += 8 + size + size%2
	}
	if !fmtOK || data == nil {
		return nil, fmt.Errorf("%s: no fmt or data chunk", path)
	}
	const n = 160 // 20 ms at 8 kHz
	var env []float64
	for i := 0; i+2*n <= len(data); i += 2 * n {
		var s float64
		for j := 0; j < n; j++ {
			v := float64(int16(binary.LittleEndian.Uint16(data[i+2*j:]))) / 32768
			s += v * v
		}
		env = append(env, math.Sqrt(s/n))
	}
	if len(env) == 0 {
		return nil, fmt.Errorf("%s: %d bytes of audio, less than one 20 ms frame", path, len(data))
	}
	return env, nil
}
