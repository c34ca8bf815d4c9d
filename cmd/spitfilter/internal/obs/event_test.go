package obs

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spitfilter/spitfilter/rtpflow"
)

var update = flag.Bool("update", false, "rewrite testdata/events.golden.jsonl")

var (
	t0   = time.Date(2026, 11, 28, 10, 15, 3, 120000000, time.FixedZone("CET", 3600))
	call = Stream{Src: netip.MustParseAddrPort("192.0.2.1:4000"), Dst: netip.MustParseAddrPort("192.0.2.2:30000"), SSRC: 0x1a2b3c4d}
)

// sampleEvents has one event of each type, in the order a call sees them.
func sampleEvents() []Event {
	return []Event{
		{Time: t0, Type: Start, Reason: "queues 0-1, engine pocketsphinx"},
		{Time: t0.Add(3200 * time.Millisecond), Type: Detection, Stream: call, Rule: "free cruise", Kind: "phrase",
			Text: "free cruise", Confidence: 0.82, Action: "mute", StartS: 3.2, EndS: 3.9, RTPStart: 25600, RTPEnd: 31200,
			Transcript: "you have won a free cruise"},
		{Time: t0.Add(3900 * time.Millisecond), Type: EnforceStart, Stream: call, Rule: "free cruise", Action: "mute", StartS: 3.9, RTPStart: 31200, Hold: 30 * time.Second},
		{Time: t0.Add(33900 * time.Millisecond), Type: EnforceEnd, Stream: call, Rule: "free cruise", Action: "mute", EndS: 33.9, RTPEnd: 271200, Reason: "hold expired"},
		{Time: t0.Add(time.Minute), Type: Detection, Stream: Stream{Src: netip.MustParseAddrPort("[2001:db8::1]:5004"), Dst: netip.MustParseAddrPort("[2001:db8::2]:10002"), SSRC: 7},
			Rule: "press one", Kind: "pattern", Text: "press 1 now", Confidence: 0, Action: "mark", StartS: 0, EndS: 1.5, RTPStart: 0, RTPEnd: 12000},
		{Time: t0.Add(time.Minute), Type: EnforceStart, Stream: call, Rule: "press one", Action: "mark", Mark: 0x5350},
		{Time: t0.Add(2 * time.Minute), Type: Reload, Reason: "SIGHUP"},
		{Time: t0.Add(3 * time.Minute), Type: ReloadFailed, Reason: `/etc/spitfilter/spitfilter.yaml:7: unknown key "banend"`},
		{Time: t0.Add(4 * time.Minute), Type: Stop, Reason: "SIGTERM"},
	}
}

func TestEventGolden(t *testing.T) {
	var got bytes.Buffer
	for _, e := range sampleEvents() {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(b)
		got.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "events.golden.jsonl")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got.String(), "\n")); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestEventFieldsByType holds the schema: which keys each type carries.
func TestEventFieldsByType(t *testing.T) {
	want := map[EventType][]string{
		Detection:    {"action", "confidence", "end_s", "kind", "rtp_end", "rtp_start", "rule", "start_s", "stream", "text", "time", "type"},
		EnforceStart: {"action", "hold", "rtp_start", "rule", "start_s", "stream", "time", "type"},
		EnforceEnd:   {"action", "end_s", "reason", "rtp_end", "rule", "stream", "time", "type"},
		Reload:       {"reason", "time", "type"},
		ReloadFailed: {"reason", "time", "type"},
		Start:        {"reason", "time", "type"},
		Stop:         {"reason", "time", "type"},
	}
	for typ, keys := range want {
		t.Run(string(typ), func(t *testing.T) {
			// Every field set: what a type does not carry must not leak.
			e := Event{Time: t0, Type: typ, Stream: call, Rule: "r", Kind: "phrase", Text: "t", Confidence: 1,
				Action: "mute", StartS: 1, EndS: 2, RTPStart: 3, RTPEnd: 4, Hold: time.Second, Mark: 5, Reason: "why"}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			var got []string
			for k := range m {
				got = append(got, k)
			}
			slices.Sort(got)
			if diff := cmp.Diff(keys, got); diff != "" {
				t.Errorf("keys of %s (-want +got):\n%s", b, diff)
			}
		})
	}
}

func TestStreamOf(t *testing.T) {
	var k rtpflow.Key
	copy(k.Src[:], netip.MustParseAddr("::ffff:192.0.2.1").AsSlice())
	copy(k.Dst[:], netip.MustParseAddr("2001:db8::2").AsSlice())
	k.SrcPort, k.DstPort, k.SSRC = 4000, 30000, 0xdeadbeef
	b, err := json.Marshal(StreamOf(k))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"src":"192.0.2.1:4000","dst":"[2001:db8::2]:30000","ssrc":"0xdeadbeef"}`; string(b) != want {
		t.Errorf("StreamOf = %s, want %s", b, want)
	}
}

func TestStreamUnset(t *testing.T) {
	b, err := json.Marshal(Stream{SSRC: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"src":"","dst":"","ssrc":"0x00000001"}`; string(b) != want {
		t.Errorf("unset stream = %s, want %s", b, want)
	}
}
