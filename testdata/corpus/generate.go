package corpus

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/testdata/capgen"
)

// formatVersion changes whenever the way items are made changes, so that
// cached files made the old way are rebuilt.
const formatVersion = "corpus/1"

// Limits on the corpus's audio.
const (
	MinSpamSeconds = 6.0  // shortest spam message
	MaxSpamSeconds = 15.0 // longest spam message
	MaxLoss        = 0.05 // highest packet loss probability drawn
	MaxJitterMs    = 30.0 // highest arrival jitter bound drawn
	// Dst is the RTP destination of every capture (tshark needs
	// "-d udp.port==30000,rtp" to decode it as RTP).
	Dst = "192.0.2.2:30000"
)

// Options select the corpus to generate. The zero value means the full
// corpus, seed 1, recordings from DefaultSphinxData.
type Options struct {
	// Small selects the subset for CI tests: 6 spam messages, 3 written
	// negatives and 3 human recordings, each in one voice. Every small
	// item is also in the full corpus, with the same files.
	Small bool
	// Seed seeds every random choice (voices' rates, pauses, codec,
	// impairments); 0 means 1.
	Seed int64
	// SphinxData is the pocketsphinx-testdata directory; "" means
	// DefaultSphinxData.
	SphinxData string
}

// spec is what an item is made from.
type spec struct {
	ID     string  `json:"id"`
	Kind   Kind    `json:"kind"`
	Script *Script `json:"script,omitempty"`
	Voice  *Voice  `json:"voice,omitempty"`
	Human  *human  `json:"human,omitempty"`
}

// plan lists the items of the chosen corpus, spam first.
func plan(small bool) []spec {
	vs := voices()
	short := func(v Voice) string {
		if v.Program == "espeak-ng" {
			return "espeak"
		}
		return v.Name
	}
	var out []spec
	add := func(prefix string, kind Kind, scripts []Script, nSmall int) {
		for i := range scripts {
			if small && i >= nSmall {
				break
			}
			sc := &scripts[i]
			picks := []Voice{vs[i%len(vs)]}
			if !small {
				picks = append(picks, vs[(i+2)%len(vs)])
			}
			for _, v := range picks {
				v := v
				out = append(out, spec{ID: fmt.Sprintf("%s-%02d-%s", prefix, i, short(v)), Kind: kind, Script: sc, Voice: &v})
			}
		}
	}
	add("spam", Spam, spamScripts(), 6)
	add("neg", Negative, negativeScripts(), 3)
	for i, h := range humanSources() {
		if small && i >= 3 {
			break
		}
		h := h
		out = append(out, spec{ID: "human-" + h.Name, Kind: Negative, Human: &h})
	}
	return out
}

// Generate makes the corpus in dir (created if missing) and returns its
// items, spam first. An item whose files exist and whose stored hash
// matches its inputs is reused as it is; others are rebuilt, each written
// to a temporary name and renamed, so an interrupted run leaves no partial
// item. It needs flite, espeak-ng and sox on PATH and the
// pocketsphinx-testdata recordings, and fails with ErrTool or ErrSource
// naming what is missing.
func Generate(ctx context.Context, dir string, opt Options) ([]Item, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: empty directory", ErrOptions)
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.SphinxData == "" {
		opt.SphinxData = DefaultSphinxData
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	var tmp string
	defer func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}()
	var items []Item
	for _, sp := range plan(opt.Small) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hash, err := inputHash(sp, opt)
		if err != nil {
			return nil, fmt.Errorf("item %s: %w", sp.ID, err)
		}
		if it, ok := cached(dir, sp.ID, hash); ok {
			items = append(items, it)
			continue
		}
		if tmp == "" {
			if tmp, err = os.MkdirTemp(dir, ".tmp-"); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrOptions, err)
			}
		}
		it, err := build(ctx, dir, tmp, sp, opt)
		if err != nil {
			return nil, fmt.Errorf("item %s: %w", sp.ID, err)
		}
		it.Hash = hash
		if err := writeJSON(filepath.Join(dir, sp.ID+".json"), it); err != nil {
			return nil, fmt.Errorf("item %s: %w", sp.ID, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// itemSeed derives an item's seed from the corpus seed and its ID.
func itemSeed(seed int64, id string) int64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int64((h.Sum64() ^ uint64(seed)*0x9e3779b97f4a7c15) >> 1)
}

// inputHash identifies everything an item's files are made from.
func inputHash(sp spec, opt Options) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n", formatVersion, itemSeed(opt.Seed, sp.ID))
	if err := json.NewEncoder(h).Encode(sp); err != nil {
		return "", err
	}
	if sp.Human != nil {
		d, err := sp.Human.digest(opt.SphinxData)
		if err != nil {
			return "", err
		}
		fmt.Fprintln(h, d)
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:32], nil
}

// cached returns the stored item when its hash matches and its files exist.
func cached(dir, id, hash string) (Item, bool) {
	b, err := os.ReadFile(filepath.Join(dir, id+".json"))
	if err != nil {
		return Item{}, false
	}
	var it Item
	if json.Unmarshal(b, &it) != nil || it.Hash != hash || it.ID != id {
		return Item{}, false
	}
	it.Capture = filepath.Join(dir, id+".pcap")
	it.WAV = filepath.Join(dir, id+".wav")
	for _, p := range []string{it.Capture, it.WAV} {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return Item{}, false
		}
	}
	return it, true
}

// ms returns n milliseconds of 8 kHz samples.
func ms(n int) int { return n * capgen.SampleRate / 1000 }

// build makes one item's capture and WAV and returns its truth.
func build(ctx context.Context, dir, tmp string, sp spec, opt Options) (Item, error) {
	seed := itemSeed(opt.Seed, sp.ID)
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	it := Item{ID: sp.ID, Kind: sp.Kind, Seed: seed}

	lead := ms(300 + r.IntN(400))
	tail := ms(400)
	var audio []int16
	switch {
	case sp.Script != nil:
		v := *sp.Voice
		if v.Program == "espeak-ng" {
			v.Rate = 145 + r.IntN(36)
		}
		it.Source, it.Voice, it.Text, it.Phrase = "synthesized", v.String(), sp.Script.Text(), sp.Script.Phrase
		audio = make([]int16, lead)
		for i, part := range []string{sp.Script.Before, sp.Script.Phrase, sp.Script.After} {
			if part == "" {
				continue
			}
			pcm, err := synthesize(ctx, v, part, tmp)
			if err != nil {
				return it, err
			}
			if len(audio) > lead {
				audio = append(audio, make([]int16, ms(200+r.IntN(250)))...)
			}
			if i == 1 {
				it.PhraseStart = float64(len(audio)) / capgen.SampleRate
				it.PhraseEnd = float64(len(audio)+len(pcm)) / capgen.SampleRate
			}
			audio = append(audio, pcm...)
		}
	case sp.Human != nil:
		it.Source, it.Voice, it.Text = "human", "human:"+sp.Human.Name, sp.Human.Text
		pcm, err := sp.Human.load(ctx, opt.SphinxData, tmp, ms(400))
		if err != nil {
			return it, err
		}
		audio = append(make([]int16, lead), pcm...)
	default:
		return it, fmt.Errorf("%w: no script and no recording", ErrItem)
	}
	audio = append(audio, make([]int16, tail)...)
	const spp = capgen.SampleRate / 50 // samples per 20 ms packet
	if n := len(audio) % spp; n != 0 {
		audio = append(audio, make([]int16, spp-n)...)
	}
	it.Duration = float64(len(audio)) / capgen.SampleRate
	if sp.Kind == Spam && (it.Duration < MinSpamSeconds || it.Duration > MaxSpamSeconds) {
		return it, fmt.Errorf("%w: spam message lasts %.2f s, want %.0f to %.0f s (voice %s)",
			ErrItem, it.Duration, MinSpamSeconds, MaxSpamSeconds, it.Voice)
	}

	codec := decode.PCMU
	if r.IntN(2) == 1 {
		codec = decode.PCMA
	}
	it.Codec = codec.String()
	it.PayloadType, _ = codec.PayloadType()
	it.Loss = math.Round(r.Float64()*MaxLoss*1000) / 1000
	it.JitterMs = math.Round(r.Float64()*MaxJitterMs*10) / 10
	it.SSRC = r.Uint32()
	src := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), uint16(4000+2*r.IntN(2000)))
	dst := netip.MustParseAddrPort(Dst)
	it.Src, it.Dst = src.String(), dst.String()
	st := capgen.Stream{
		Src: src, Dst: dst, SSRC: it.SSRC, PayloadType: it.PayloadType,
		Seq: uint16(r.Uint32()), Timestamp: r.Uint32(), Audio: audio,
		Impair: capgen.Impairments{Loss: it.Loss, JitterMs: it.JitterMs, Seed: int64(r.Uint64() >> 1)},
	}

	it.Capture = filepath.Join(dir, sp.ID+".pcap")
	var truths []capgen.StreamTruth
	err := writeFile(it.Capture, func(f *os.File) error {
		var err error
		truths, err = capgen.Write(f, capgen.Options{Start: capgen.DefaultStart().Add(time.Duration(seed % 3600 * int64(time.Second)))}, st)
		return err
	})
	if err != nil {
		return it, err
	}
	if len(truths) != 1 {
		return it, fmt.Errorf("%w: capgen returned %d stream truths, want 1", ErrItem, len(truths))
	}
	t := truths[0]
	it.Packets, it.Lost = t.Packets, t.Lost

	it.WAV = filepath.Join(dir, sp.ID+".wav")
	received := make(map[uint16]bool, len(t.Seqs))
	for _, s := range t.Seqs {
		received[s] = true
	}
	err = writeFile(it.WAV, func(f *os.File) error {
		w := decode.NewWAVWriter(f, 2*capgen.SampleRate)
		if err := w.Write(Received(audio, codec, func(k int) bool { return received[st.Seq+uint16(k)] })); err != nil {
			return err
		}
		return w.Close()
	})
	return it, err
}

// Received returns what a receiver decodes from audio sent as 20 ms G.711
// packets in codec, when packet k arrived if arrived(k): the decoded
// samples of arrived packets and silence for lost ones, upsampled to 16 kHz
// with decode.Upsampler and shifted by its delay so that output sample 2n
// is input sample n. The result has 2*len(audio) samples (len(audio) must
// be a whole number of packets).
func Received(audio []int16, codec decode.Codec, arrived func(k int) bool) []int16 {
	const spp = capgen.SampleRate / 50
	pcm := make([]int16, 0, len(audio))
	var payload []byte
	for k := 0; k*spp < len(audio); k++ {
		chunk := audio[k*spp : min(len(audio), (k+1)*spp)]
		if !arrived(k) {
			pcm = decode.AppendSilence(pcm, len(chunk))
			continue
		}
		payload = codec.AppendEncode(payload[:0], chunk)
		pcm = codec.AppendDecode(pcm, payload)
	}
	up := decode.NewUpsampler()
	out := up.AppendProcess(make([]int16, 0, 2*len(pcm)+up.Delay()), pcm)
	out = up.AppendProcess(out, make([]int16, up.Delay()/2))
	return out[up.Delay():]
}

// writeFile writes path through fill on a temporary file in the same
// directory and renames it into place.
func writeFile(path string, fill func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".part-"+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeJSON stores v as indented JSON at path.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, func(f *os.File) error {
		_, err := f.Write(append(b, '\n'))
		return err
	})
}
