package fastbench

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummarize(t *testing.T) {
	seq := func(n int) []int64 { // n..1, unsorted on purpose
		s := make([]int64, n)
		for i := range s {
			s[i] = int64(n - i)
		}
		return s
	}
	tests := []struct {
		name string
		in   []int64
		want Latency
	}{
		{"empty", nil, Latency{}},
		{"one", []int64{5}, Latency{5, 5, 5, 5, 5}},
		{"1000", seq(1000), Latency{Min: 1, P50: 500, P99: 990, P999: 999, Max: 1000}},
		{"10", seq(10), Latency{Min: 1, P50: 5, P99: 10, P999: 10, Max: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, summarize(tt.in)); diff != "" {
				t.Errorf("summarize (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLatencySub(t *testing.T) {
	us := time.Microsecond
	got := Latency{10 * us, 20 * us, 30 * us, 40 * us, 50 * us}.Sub(Latency{1 * us, 2 * us, 3 * us, 50 * us, 5 * us})
	want := Latency{9 * us, 18 * us, 27 * us, -10 * us, 45 * us}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sub (-want +got):\n%s", diff)
	}
}
