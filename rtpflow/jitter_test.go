package rtpflow

import "testing"

// TestTickMeansClock checks what jitterMeter.add relies on: a payload type
// has a tick length exactly when it has a known clock rate.
func TestTickMeansClock(t *testing.T) {
	clocked := 0
	for pt := 0; pt < 256; pt++ {
		tick, clock := msPerTick(uint8(pt)), clockRate(uint8(pt))
		if (tick != 0) != (clock != 0) {
			t.Errorf("payload type %d: tick %v ms, clock %d Hz", pt, tick, clock)
		}
		if clock != 0 {
			clocked++
		}
	}
	if clocked == 0 {
		t.Fatal("no payload type has a clock")
	}
}
