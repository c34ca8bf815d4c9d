package corpus

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/decode"
)

// needTools fails the test when a tool Generate or the checks need is
// missing; under -short it skips instead.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if testing.Short() {
				t.Skipf("-short: %s not installed", tool)
			}
			t.Fatalf("%s not installed (make deps installs it): %v", tool, err)
		}
	}
	if _, err := os.Stat(DefaultSphinxData); err != nil {
		if testing.Short() {
			t.Skipf("-short: %v", err)
		}
		t.Fatalf("apt-get install pocketsphinx-testdata: %v", err)
	}
}

// rms returns the root mean square of s.
func rms(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var sum float64
	for _, x := range s {
		sum += float64(x) * float64(x)
	}
	return math.Sqrt(sum / float64(len(s)))
}

func TestGenerateSmall(t *testing.T) {
	needTools(t, "flite", "espeak-ng", "sox", "tshark")
	ctx := context.Background()
	dir := t.TempDir()
	items, err := Generate(ctx, dir, Options{Small: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[Kind]int{}
	codecs := map[string]int{}
	sources := map[string]int{}
	for _, it := range items {
		kinds[it.Kind]++
		codecs[it.Codec]++
		sources[it.Source]++
	}
	if kinds[Spam] != 6 || kinds[Negative] != 6 || sources["human"] != 3 {
		t.Fatalf("kinds %v, sources %v; want 6 spam, 6 negative of which 3 human", kinds, sources)
	}
	if codecs["PCMU"] == 0 || codecs["PCMA"] == 0 {
		t.Errorf("codecs %v, want both PCMU and PCMA", codecs)
	}
	lossy := 0
	for _, it := range items {
		t.Run(it.ID, func(t *testing.T) {
			checkItem(t, it)
			if it.Lost > 0 {
				lossy++
			}
		})
	}
	if lossy < len(items)/2 {
		t.Errorf("only %d of %d items lost packets", lossy, len(items))
	}

	t.Run("cache reused", func(t *testing.T) {
		before := modTimes(t, dir)
		time.Sleep(10 * time.Millisecond) // let a rewrite show in the mtime
		again, err := Generate(ctx, dir, Options{Small: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(items) {
			t.Fatalf("%d items on the second run, want %d", len(again), len(items))
		}
		if after := modTimes(t, dir); !mapsEqual(before, after) {
			t.Errorf("second Generate rewrote files")
		}
	})
	t.Run("stale item rebuilt", func(t *testing.T) {
		it := items[0]
		b, _ := os.ReadFile(filepath.Join(dir, it.ID+".json"))
		b = bytes.Replace(b, []byte(it.Hash), []byte("stale"), 1)
		os.WriteFile(filepath.Join(dir, it.ID+".json"), b, 0o644)
		os.Remove(it.WAV)
		again, err := Generate(ctx, dir, Options{Small: true})
		if err != nil {
			t.Fatal(err)
		}
		if again[0].Hash != it.Hash {
			t.Errorf("hash %q after rebuild, want %q", again[0].Hash, it.Hash)
		}
		if _, err := os.Stat(it.WAV); err != nil {
			t.Errorf("WAV not rebuilt: %v", err)
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		dir2 := t.TempDir()
		other, err := Generate(ctx, dir2, Options{Small: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range items {
			for _, pair := range [][2]string{{it.Capture, other[i].Capture}, {it.WAV, other[i].WAV}} {
				a, _ := os.ReadFile(pair[0])
				b, _ := os.ReadFile(pair[1])
				if len(a) == 0 || !bytes.Equal(a, b) {
					t.Errorf("%s and %s differ (%d and %d bytes)", pair[0], pair[1], len(a), len(b))
				}
			}
		}
	})
}

// checkItem checks one item's truth against its files.
func checkItem(t *testing.T, it Item) {
	t.Helper()
	if it.Loss < 0 || it.Loss > MaxLoss || it.JitterMs < 0 || it.JitterMs > MaxJitterMs {
		t.Errorf("loss %v, jitter %v ms outside 0..%v, 0..%v", it.Loss, it.JitterMs, MaxLoss, MaxJitterMs)
	}
	if it.Kind == Spam {
		if it.Duration < MinSpamSeconds || it.Duration > MaxSpamSeconds {
			t.Errorf("spam lasts %v s", it.Duration)
		}
		if !(0.2 < it.PhraseStart && it.PhraseStart+0.3 < it.PhraseEnd && it.PhraseEnd+0.5 < it.Duration) {
			t.Errorf("phrase %v-%v s not inside the %v s of audio", it.PhraseStart, it.PhraseEnd, it.Duration)
		}
		if !strings.Contains(it.Text, it.Phrase) {
			t.Errorf("text %q does not hold phrase %q", it.Text, it.Phrase)
		}
	} else if it.Phrase != "" || it.PhraseEnd != 0 {
		t.Errorf("negative has phrase %q at %v-%v", it.Phrase, it.PhraseStart, it.PhraseEnd)
	}

	// The WAV: 16 kHz, exactly the audio sent.
	f, err := os.Open(it.WAV)
	if err != nil {
		t.Fatal(err)
	}
	pcm, rate, err := decode.ReadWAV(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := int(math.Round(it.Duration * 16000)); rate != 16000 || len(pcm) != want {
		t.Fatalf("WAV %d samples at %d Hz, want %d at 16000", len(pcm), rate, want)
	}
	packets := int(math.Round(it.Duration * 50))
	if it.Packets != packets-it.Lost {
		t.Errorf("truth: %d packets in capture, want %d generated - %d lost", it.Packets, packets, it.Lost)
	}
	// Silence before the first word, speech in the phrase, silence in the
	// pause just before it: the phrase times are where the audio says.
	at := func(s float64) int { return min(len(pcm), int(s*16000)) }
	if lead := rms(pcm[:at(0.25)]); lead > 16 {
		t.Errorf("lead-in RMS %.1f, want silence (PCMA silence decodes to 8)", lead)
	}
	if it.Kind == Spam {
		if pause := rms(pcm[at(it.PhraseStart-0.15):at(it.PhraseStart-0.012)]); pause > 16 {
			t.Errorf("pause before the phrase RMS %.1f, want silence (PCMA silence decodes to 8)", pause)
		}
		if pause := rms(pcm[at(it.PhraseEnd+0.012):at(it.PhraseEnd+0.15)]); pause > 16 {
			t.Errorf("pause after the phrase RMS %.1f, want silence (PCMA silence decodes to 8)", pause)
		}
		if speech := rms(pcm[at(it.PhraseStart):at(it.PhraseEnd)]); speech < 500 {
			t.Errorf("phrase RMS %.1f, want speech", speech)
		}
	}
	if speech := rms(pcm); speech < 300 {
		t.Errorf("whole item RMS %.1f, want speech", speech)
	}

	// The capture: tshark sees every RTP packet the truth counts, with the
	// codec and SSRC recorded.
	out, err := exec.Command("tshark", "-r", it.Capture, "-d", "udp.port==30000,rtp",
		"-Y", "rtp", "-T", "fields", "-e", "rtp.p_type", "-e", "rtp.ssrc").Output()
	if err != nil {
		t.Fatalf("tshark on %s: %v", it.Capture, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != it.Packets {
		t.Errorf("tshark: %d RTP packets, truth %d", len(lines), it.Packets)
	}
	want := strconv.Itoa(int(it.PayloadType)) + "\t0x" + strconv.FormatUint(uint64(it.SSRC)|1<<32, 16)[1:]
	for i, l := range lines {
		if l != want {
			t.Errorf("tshark packet %d: %q, want %q", i, l, want)
			break
		}
	}
}

func modTimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]time.Time{}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = info.ModTime()
	}
	return m
}

func mapsEqual(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !b[k].Equal(v) {
			return false
		}
	}
	return true
}

func TestGenerateErrors(t *testing.T) {
	if _, err := Generate(context.Background(), "", Options{}); !errors.Is(err, ErrOptions) {
		t.Errorf("empty dir: err %v, want ErrOptions", err)
	}
	needTools(t, "flite", "espeak-ng", "sox")
	_, err := Generate(context.Background(), t.TempDir(), Options{Small: true, SphinxData: "/nonexistent"})
	if !errors.Is(err, ErrSource) || !strings.Contains(err.Error(), "/nonexistent") {
		t.Errorf("missing recordings: err %v, want ErrSource naming the path", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, t.TempDir(), Options{Small: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v, want context.Canceled", err)
	}
}
