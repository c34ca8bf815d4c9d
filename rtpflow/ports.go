package rtpflow

import (
	"fmt"
	"strconv"
	"strings"
)

// PortRange is an inclusive range of UDP ports.
type PortRange struct {
	Lo, Hi uint16
}

// Contains reports whether p lies in the range.
func (r PortRange) Contains(p uint16) bool { return p >= r.Lo && p <= r.Hi }

// String formats the range as "lo-hi", or "lo" for a single port.
func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(int(r.Lo))
	}
	return fmt.Sprintf("%d-%d", r.Lo, r.Hi)
}

// Ports is a set of port ranges.
type Ports []PortRange

// Contains reports whether p lies in any of the ranges.
func (ps Ports) Contains(p uint16) bool {
	for _, r := range ps {
		if r.Contains(p) {
			return true
		}
	}
	return false
}

// String formats the set as "lo-hi,lo-hi".
func (ps Ports) String() string {
	parts := make([]string, len(ps))
	for i, r := range ps {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// ParsePorts parses a list of port ranges such as "10000-20000" or
// "5004,10000-20000". Whitespace around items is ignored; an empty string
// yields no ranges.
func ParsePorts(s string) (Ports, error) {
	var ps Ports
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(item, "-")
		l, err := parsePort(lo)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", ErrBadPortRange, item, err)
		}
		h := l
		if isRange {
			if h, err = parsePort(hi); err != nil {
				return nil, fmt.Errorf("%w %q: %v", ErrBadPortRange, item, err)
			}
		}
		if h < l {
			return nil, fmt.Errorf("%w %q: %d is above %d", ErrBadPortRange, item, l, h)
		}
		ps = append(ps, PortRange{Lo: l, Hi: h})
	}
	return ps, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("port must be a number from 1 to 65535, got %q", s)
	}
	return uint16(n), nil
}
