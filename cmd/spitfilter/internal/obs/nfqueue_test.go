package obs

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// kernelLine formats s as the kernel's seq_show does.
func kernelLine(s QueueStats) string {
	return fmt.Sprintf("%5d %6d %5d %1d %5d %5d %5d %8d %2d\n",
		s.Queue, s.PortID, s.Waiting, s.CopyMode, s.CopyRange, s.QueueDropped, s.UserDropped, s.IDSequence, 1)
}

func TestParseQueues(t *testing.T) {
	q0 := QueueStats{Queue: 0, PortID: 2893, Waiting: 3, CopyMode: 2, CopyRange: 65531, QueueDropped: 17, UserDropped: 2, IDSequence: 123456}
	q3 := QueueStats{Queue: 3, PortID: 4294967295, CopyMode: 2, CopyRange: 65535, IDSequence: 4294967295}
	tests := []struct {
		name string
		in   string
		want []QueueStats
	}{
		{"empty", "", nil},
		{"one queue", kernelLine(q0), []QueueStats{q0}},
		{"two queues and blank lines", "\n" + kernelLine(q0) + "\n\n" + kernelLine(q3), []QueueStats{q0, q3}},
		{"no final newline", strings.TrimSuffix(kernelLine(q0), "\n"), []QueueStats{q0}},
		{"old kernel printed %d", "    3     -1     0 2 65535     0     0       -1  1\n", []QueueStats{q3}},
		{"old kernel use count", "    0   2893     3 2 65531    17     2   123456  3\n", []QueueStats{q0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQueues(nil, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseQueues (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseQueuesErrors(t *testing.T) {
	ok := "    0   2893     0 2 65531     0     0        9  1\n"
	tests := []struct {
		name, in string
		msg      string // the error names the line, field and value
	}{
		{"too few fields", ok + "    0  12345     3 2 65535\n", "line 2 has 5 fields, want 9"},
		{"too many fields", "    0   2893     0 2 65531     0     0        9  1 7\n", "line 1 has 10 fields, want 9"},
		{"not a number", "    0   28a3     0 2 65531     0     0        9  1\n", `line 1 field 2 (peer portid) "28a3": not a decimal number`},
		{"queue over 16 bits", "70000   2893     0 2 65531     0     0        9  1\n", `line 1 field 1 (queue) "70000": 70000 is over 65535`},
		{"copy mode over 8 bits", "    0   2893     0 256 65531     0     0        9  1\n", `field 4 (copy mode) "256": 256 is over 255`},
		{"counter over 32 bits", "    0   2893     0 2 65531 4294967296     0        9  1\n", `field 6 (queue dropped) "4294967296"`},
		{"negative below int32", "    0   2893     0 2 65531     0     0 -2147483649  1\n", `field 8 (id sequence) "-2147483649": not a decimal number`},
		{"header line", "queue portid total\n", "line 1 has 3 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQueues(nil, []byte(tt.in))
			if !errors.Is(err, ErrProcFormat) {
				t.Fatalf("err = %v, want ErrProcFormat", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestParseQueuesReusesDst(t *testing.T) {
	in := []byte(kernelLine(QueueStats{Queue: 1}) + kernelLine(QueueStats{Queue: 2}))
	dst := make([]QueueStats, 0, 4)
	got, err := ParseQueues(dst, in)
	if err != nil {
		t.Fatal(err)
	}
	if &got[0] != &dst[:1][0] {
		t.Error("ParseQueues did not reuse dst's capacity")
	}
	got, err = ParseQueues(got, []byte(kernelLine(QueueStats{Queue: 9})))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Queue != 9 {
		t.Errorf("second parse = %+v, want only queue 9", got)
	}
}

// FuzzParseQueues checks that ParseQueues never panics, and that what it
// accepts survives a round trip through the kernel's format.
func FuzzParseQueues(f *testing.F) {
	f.Add([]byte("    0   2893     3 2 65531    17     2   123456  1\n"))
	f.Add([]byte("    3     -1     0 2 65535     0     0       -1  1\n    4      0 0 0 0 0 0 0 0"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseQueues(nil, b)
		if err != nil {
			if !errors.Is(err, ErrProcFormat) {
				t.Fatalf("error %v does not wrap ErrProcFormat", err)
			}
			return
		}
		var again strings.Builder
		for _, s := range got {
			again.WriteString(kernelLine(s))
		}
		back, err := ParseQueues(nil, []byte(again.String()))
		if err != nil {
			t.Fatalf("reparse of %q: %v", again.String(), err)
		}
		if diff := cmp.Diff(got, back); diff != "" {
			t.Errorf("round trip (-first +second):\n%s", diff)
		}
	})
}
