package decode

import (
	"slices"
	"testing"
)

func TestAppendSilence(t *testing.T) {
	tests := []struct {
		name string
		dst  []int16
		n    int
		want []int16
	}{
		{"empty", nil, 0, nil},
		{"negative", []int16{5}, -3, []int16{5}},
		{"onto-nil", nil, 3, []int16{0, 0, 0}},
		{"after-audio", []int16{5, -5}, 2, []int16{5, -5, 0, 0}},
		// Spare capacity holding old samples must still come out zero.
		{"dirty-capacity", []int16{9, 9, 9, 9}[:1], 3, []int16{9, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendSilence(tt.dst, tt.n)
			if !slices.Equal(got, tt.want) {
				t.Errorf("AppendSilence (-want +got):\n-%v\n+%v", tt.want, got)
			}
		})
	}
}
