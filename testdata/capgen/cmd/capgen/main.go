// Package main is the capgen command.
//
// Command capgen writes a synthetic RTP capture from a WAV file, with
// controlled impairments, for spitfilter's tests and tshark cross-checks.
//
//	go run ./testdata/capgen/cmd/capgen -wav in.wav -o out.pcap [-format pcapng] [-link sll2]
//	    [-pt 0|8] [-loss 0.02] [-dup 0.01] [-reorder 0.01] [-jitter 5] [-seed 1] [-seq 65500]
//	    [-ssrc 0x1a2b3c4d] [-src 192.0.2.1:4000] [-dst 192.0.2.2:30000] [-rtcp]
//	    [-dtmf "1@2s,5@3s/200ms"] [-cn "4s-5s"] [-ipv6] [-reply other.wav -pad-cn]
//
// The WAV must be mono 16-bit PCM at 8 kHz (sox in.wav -r 8000 -c 1 out.wav).
// With -reply a second stream flows from -dst back to -src; both streams are
// padded with silence to the same length (sent as comfort noise with
// -pad-cn). One line per SSRC summarizing the truth goes to stdout, and the
// full truth as JSON to -truth FILE.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spitfilter/spitfilter/testdata/capgen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "capgen:", err)
		}
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	wav, reply, out, truth string
	format, link           string
	pt                     uint
	seed                   int64
	seq, replySeq          uint
	ssrc, replySSRC        string
	src, dst               string
	ipv6, rtcp, ns, padCN  bool
	dtmf, cn               string
	lead                   time.Duration
	ptime                  time.Duration
	mtu, noise             int
	ssrcChange             int
	im                     capgen.Impairments
}

func run(args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("capgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.wav, "wav", "", "input WAV: mono, 16-bit, 8 kHz (required)")
	fs.StringVar(&c.out, "o", "", "output capture file (required)")
	fs.StringVar(&c.reply, "reply", "", "WAV spoken by the other side (a second stream from -dst to -src)")
	fs.StringVar(&c.truth, "truth", "", "write the ground truth as JSON to this file")
	fs.StringVar(&c.format, "format", "pcap", "pcap or pcapng")
	fs.StringVar(&c.link, "link", "ethernet", "link layer: ethernet, vlan, qinq, sll, sll2, raw, null")
	fs.BoolVar(&c.ns, "ns", false, "nanosecond timestamps")
	fs.UintVar(&c.pt, "pt", 0, "payload type: 0 (PCMU) or 8 (PCMA)")
	fs.Float64Var(&c.im.Loss, "loss", 0, "per-packet loss probability")
	fs.IntVar(&c.im.BurstLoss, "burst", 1, "packets lost per loss event")
	fs.Float64Var(&c.im.Duplicate, "dup", 0, "per-packet duplication probability")
	fs.Float64Var(&c.im.Reorder, "reorder", 0, "per-packet probability of being held back")
	fs.IntVar(&c.im.ReorderDepth, "reorder-depth", 1, "packets a held-back packet waits for")
	fs.Float64Var(&c.im.JitterMs, "jitter", 0, "arrival jitter: uniform 0..N ms")
	fs.Int64Var(&c.seed, "seed", 1, "random seed (same seed, same bytes)")
	fs.UintVar(&c.seq, "seq", 1000, "first sequence number")
	fs.UintVar(&c.replySeq, "reply-seq", 20000, "first sequence number of the reply stream")
	fs.StringVar(&c.ssrc, "ssrc", "0x1a2b3c4d", "SSRC")
	fs.StringVar(&c.replySSRC, "reply-ssrc", "0x5e6f7081", "SSRC of the reply stream")
	fs.IntVar(&c.ssrcChange, "ssrc-change", 0, "switch to SSRC+1 after this many packets (0 = never)")
	fs.StringVar(&c.src, "src", "", "source address:port (default 192.0.2.1:4000, or [2001:db8::1]:4000 with -ipv6)")
	fs.StringVar(&c.dst, "dst", "", "destination address:port (default 192.0.2.2:30000, or [2001:db8::2]:30000 with -ipv6)")
	fs.BoolVar(&c.ipv6, "ipv6", false, "use IPv6 default addresses")
	fs.BoolVar(&c.rtcp, "rtcp", false, "send RTCP (SR+SDES every 5 s, RR+BYE at the end) on port+1")
	fs.StringVar(&c.dtmf, "dtmf", "", `RFC 4733 events "DIGIT@OFFSET[/DURATION],..." e.g. "1@2s,#@3s/200ms"`)
	fs.StringVar(&c.cn, "cn", "", `comfort-noise spans "FROM-TO,..." e.g. "4s-5s"`)
	fs.DurationVar(&c.lead, "lead", 0, "silence before the -wav audio")
	fs.BoolVar(&c.padCN, "pad-cn", false, "send -lead and padding silence as comfort noise")
	fs.DurationVar(&c.ptime, "ptime", 20*time.Millisecond, "packet time")
	fs.IntVar(&c.mtu, "mtu", 0, "fragment IP datagrams larger than this (0 = never)")
	fs.IntVar(&c.noise, "noise", 0, "number of non-RTP UDP datagrams to add")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.wav == "" || c.out == "" {
		return errors.New("-wav and -o are required")
	}
	opt, streams, err := c.build()
	if err != nil {
		return err
	}
	f, err := os.Create(c.out)
	if err != nil {
		return err
	}
	truth, err := capgen.Write(f, opt, streams...)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(c.out)
		return fmt.Errorf("%s: %w", c.out, err)
	}
	for _, t := range truth {
		fmt.Fprintf(stdout, "ssrc=%#08x %v -> %v generated=%d sent=%d lost=%d dup=%d reordered=%d out_of_order=%d records=%d seq=%d..%d rtcp=%d dtmf=%d cn=%d\n",
			t.SSRC, t.Src, t.Dst, t.Generated, t.Sent, t.Lost, t.Duplicated, t.Reordered, t.OutOfOrder, t.Packets, t.FirstSeq, t.LastSeq, t.RTCP, t.DTMF, t.ComfortNoise)
	}
	if c.truth != "" {
		b, err := json.MarshalIndent(truth, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(c.truth, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// build turns the flags into capgen options and streams.
func (c *config) build() (capgen.Options, []capgen.Stream, error) {
	var opt capgen.Options
	switch c.format {
	case "pcap":
		opt.Format = capgen.PCAP
	case "pcapng":
		opt.Format = capgen.PCAPNG
	default:
		return opt, nil, fmt.Errorf("-format %q: want pcap or pcapng", c.format)
	}
	link, err := capgen.ParseLink(c.link)
	if err != nil {
		return opt, nil, fmt.Errorf("-link: %w", err)
	}
	opt.Link, opt.Nanosecond, opt.FragmentMTU, opt.Noise, opt.Seed = link, c.ns, c.mtu, c.noise, c.seed
	if c.pt != capgen.PayloadPCMU && c.pt != capgen.PayloadPCMA {
		return opt, nil, fmt.Errorf("-pt %d: want 0 (PCMU) or 8 (PCMA)", c.pt)
	}
	if c.seq > 65535 || c.replySeq > 65535 {
		return opt, nil, fmt.Errorf("-seq %d / -reply-seq %d: want 0..65535", c.seq, c.replySeq)
	}
	src, dst := "192.0.2.1:4000", "192.0.2.2:30000"
	if c.ipv6 {
		src, dst = "[2001:db8::1]:4000", "[2001:db8::2]:30000"
	}
	if c.src != "" {
		src = c.src
	}
	if c.dst != "" {
		dst = c.dst
	}
	s := capgen.Stream{PayloadType: uint8(c.pt), Seq: uint16(c.seq), Timestamp: 160000, PacketTime: c.ptime, RTCP: c.rtcp, Impair: c.im}
	s.Impair.Seed = c.seed
	if s.Src, err = netip.ParseAddrPort(src); err != nil {
		return opt, nil, fmt.Errorf("-src: %w", err)
	}
	if s.Dst, err = netip.ParseAddrPort(dst); err != nil {
		return opt, nil, fmt.Errorf("-dst: %w", err)
	}
	if s.SSRC, err = parseSSRC(c.ssrc); err != nil {
		return opt, nil, fmt.Errorf("-ssrc: %w", err)
	}
	if c.ssrcChange > 0 {
		s.SSRCChangeAt, s.NewSSRC = c.ssrcChange, s.SSRC+1
	}
	if s.DTMF, err = parseDTMF(c.dtmf); err != nil {
		return opt, nil, fmt.Errorf("-dtmf: %w", err)
	}
	if s.ComfortNoise, err = parseSpans(c.cn); err != nil {
		return opt, nil, fmt.Errorf("-cn: %w", err)
	}
	audio, err := readWAV(c.wav)
	if err != nil {
		return opt, nil, err
	}
	lead := int(c.lead * capgen.SampleRate / time.Second)
	s.Audio = append(make([]int16, lead), audio...)
	if c.padCN && lead > 0 {
		s.ComfortNoise = append(s.ComfortNoise, capgen.Span{From: 0, To: c.lead})
	}
	if c.reply == "" {
		return opt, []capgen.Stream{s}, nil
	}
	r := s
	r.Src, r.Dst, r.Seq, r.Timestamp, r.DTMF, r.ComfortNoise, r.SSRCChangeAt = s.Dst, s.Src, uint16(c.replySeq), 480000, nil, nil, 0
	r.Impair.Seed = c.seed + 1
	if r.SSRC, err = parseSSRC(c.replySSRC); err != nil {
		return opt, nil, fmt.Errorf("-reply-ssrc: %w", err)
	}
	if r.Audio, err = readWAV(c.reply); err != nil {
		return opt, nil, err
	}
	// Pad both to the same length, in whole packets.
	spp := int(c.ptime * capgen.SampleRate / time.Second)
	n := max(len(s.Audio), len(r.Audio))
	n = (n + spp - 1) / spp * spp
	pad := func(st *capgen.Stream) {
		have := (len(st.Audio) + spp - 1) / spp * spp
		if c.padCN && have < n {
			st.ComfortNoise = append(st.ComfortNoise, capgen.Span{
				From: time.Duration(have) * time.Second / capgen.SampleRate,
				To:   time.Duration(n) * time.Second / capgen.SampleRate,
			})
		}
		st.Audio = append(st.Audio, make([]int16, n-len(st.Audio))...)
	}
	pad(&s)
	pad(&r)
	return opt, []capgen.Stream{s, r}, nil
}

func readWAV(path string) ([]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := capgen.ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

func parseSSRC(s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a 32-bit number (e.g. 0x1a2b3c4d)", s)
	}
	return uint32(v), nil
}

// parseDTMF parses "DIGIT@OFFSET[/DURATION],...".
func parseDTMF(s string) ([]capgen.DTMF, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []capgen.DTMF
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		digit, rest, ok := strings.Cut(item, "@")
		if !ok || len([]rune(digit)) != 1 {
			return nil, fmt.Errorf("%q: want DIGIT@OFFSET[/DURATION], e.g. 1@2s", item)
		}
		at, dur, _ := strings.Cut(rest, "/")
		e := capgen.DTMF{Digit: []rune(digit)[0]}
		var err error
		if e.At, err = time.ParseDuration(at); err != nil {
			return nil, fmt.Errorf("%q: offset: %w", item, err)
		}
		if dur != "" {
			if e.Duration, err = time.ParseDuration(dur); err != nil {
				return nil, fmt.Errorf("%q: duration: %w", item, err)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// parseSpans parses "FROM-TO,...".
func parseSpans(s string) ([]capgen.Span, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []capgen.Span
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		from, to, ok := strings.Cut(item, "-")
		if !ok {
			return nil, fmt.Errorf("%q: want FROM-TO, e.g. 4s-5s", item)
		}
		var sp capgen.Span
		var err error
		if sp.From, err = time.ParseDuration(from); err != nil {
			return nil, fmt.Errorf("%q: from: %w", item, err)
		}
		if sp.To, err = time.ParseDuration(to); err != nil {
			return nil, fmt.Errorf("%q: to: %w", item, err)
		}
		out = append(out, sp)
	}
	return out, nil
}
