package fastbench

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Real contents, as kernel 6.18 writes them.
const (
	nfqProc = "    0  12345     3 2 65535     4     5      1000  1\n" +
		"    7 4294967295     0 2 65535     0     0         9  1\n"
	netlinkProc = "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n" +
		"0000000000000000 0   1          00000000 0        0        0     2        0        100\n" +
		"0000000000000000 12  12345      00000000 0        0        0     2        17       101\n" +
		"0000000000000000 0   12345      00000000 0        0        0     2        99       102\n"
	snmpProc = "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
		"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"Udp: 100 0 0 100 6 2 0 0 0\n" +
		"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"UdpLite: 0 0 0 0 0 0 0 0 0\n"
)

func TestParseQueueStats(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		queue   uint16
		want    QueueStats
		wantOK  bool
		wantErr error
	}{
		{"first", nfqProc, 0, QueueStats{Queue: 0, PortID: 12345, Waiting: 3, QueueDropped: 4, UserDropped: 5, IDSequence: 1000}, true, nil},
		{"second", nfqProc, 7, QueueStats{Queue: 7, PortID: 4294967295, IDSequence: 9}, true, nil},
		{"absent", nfqProc, 1, QueueStats{}, false, nil},
		{"empty", "", 0, QueueStats{}, false, nil},
		{"short line", "0 1 2\n", 0, QueueStats{}, false, ErrProcFormat},
		{"not a number", "0 x 0 2 65535 0 0 0 1\n", 0, QueueStats{}, false, ErrProcFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseQueueStats([]byte(tt.in), tt.queue)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseNetlinkDrops(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		port    uint32
		want    uint64
		wantOK  bool
		wantErr error
	}{
		{"netfilter socket, not the route socket with the same pid", netlinkProc, 12345, 17, true, nil},
		{"absent", netlinkProc, 5, 0, false, nil},
		{"empty", "", 5, 0, false, ErrProcFormat},
		{"no Drops column", "sk Eth Pid\n", 5, 0, false, ErrProcFormat},
		{"bad drops", "sk Eth Pid Drops\n0 12 5 x\n", 5, 0, false, ErrProcFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseNetlinkDrops([]byte(tt.in), tt.port)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("= %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseUDPCounter(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		counter string
		want    uint64
		wantErr error
	}{
		{"RcvbufErrors", snmpProc, "RcvbufErrors", 6, nil},
		{"SndbufErrors", snmpProc, "SndbufErrors", 2, nil},
		{"unknown counter", snmpProc, "Nope", 0, ErrProcFormat},
		{"no Udp", "Ip: a\nIp: 1\n", "RcvbufErrors", 0, ErrProcFormat},
		{"short values", "Udp: RcvbufErrors\nUdp:\n", "RcvbufErrors", 0, ErrProcFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseUDPCounter([]byte(tt.in), tt.counter)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("= %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseCPUTimes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    cpuTimes
		wantErr error
	}{
		{"kernel 6.18", "cpu  100 1 20 300 4 5 6 7 8 9\ncpu0 1 2 3 4\n", cpuTimes{busy: 139, total: 443}, nil},
		{"old kernel, four counters", "cpu 1 2 3 4\n", cpuTimes{busy: 6, total: 10}, nil},
		{"no cpu line", "intr 1 2\n", cpuTimes{}, ErrProcFormat},
		{"bad counter", "cpu 1 x 3 4\n", cpuTimes{}, ErrProcFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUTimes([]byte(tt.in))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("= %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := busyBetween(cpuTimes{10, 100}, cpuTimes{60, 200}); got != 0.5 {
		t.Errorf("busyBetween = %v, want 0.5", got)
	}
}

// FuzzProcParsers feeds the three /proc parsers arbitrary text: they may
// reject it, never panic, and a found queue is the one asked for.
func FuzzProcParsers(f *testing.F) {
	f.Add([]byte(nfqProc), uint16(0))
	f.Add([]byte(netlinkProc), uint16(12))
	f.Add([]byte(snmpProc), uint16(7))
	f.Fuzz(func(t *testing.T, b []byte, q uint16) {
		if st, ok, err := parseQueueStats(b, q); err == nil && ok && st.Queue != q {
			t.Fatalf("asked for queue %d, got %d", q, st.Queue)
		}
		_, _, _ = parseNetlinkDrops(b, uint32(q))
		_, _ = parseUDPCounter(b, "RcvbufErrors")
		_, _ = parseCPUTimes(b)
	})
}
