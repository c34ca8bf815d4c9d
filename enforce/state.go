package enforce

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/spitfilter/spitfilter/rtpflow"
)

// Decision is what the slow path decided about one stream.
type Decision struct {
	// Action is what to do; None is not a decision.
	Action Action
	// Rule is the rule that matched, for events and logs.
	Rule string
	// Mark is the nfmark to set under ActionMark.
	Mark uint32
	// From is the packet time of the detection: the action applies to
	// packets whose time is From or later. The zero time means from the
	// start of the stream.
	From time.Time
	// Until ends the hold: packets whose time is Until or later are no
	// longer touched. The zero time means the rest of the stream.
	Until time.Time
}

// decided is a Decision as the fast path reads it: immutable once stored,
// with the hold in nanoseconds.
type decided struct {
	Decision
	from, until int64 // [from, until) in ns since the epoch
}

// State is the decision state of one stream, keyed by the stream's
// rtpflow.Key (5-tuple and SSRC). The daemon makes one when a stream first
// appears, hangs it on the stream's Tag (on the table's goroutine) and hands
// the pointer to the stream's analysis job; the slow path then calls Set
// from any goroutine while the fast path reads it in Apply without locks.
//
// A State only ever acts on packets whose addresses, ports and SSRC are its
// key: a packet from another source that reaches it is accepted unchanged
// (ReasonOtherStream), neither triggering nor inheriting the decision.
type State struct {
	key rtpflow.Key
	d   atomic.Pointer[decided]
}

// NewState returns the state of the stream k, with no decision.
func NewState(k rtpflow.Key) *State { return &State{key: k} }

// Key returns the stream the state belongs to.
func (s *State) Key() rtpflow.Key { return s.key }

// Set puts d in force, replacing any earlier decision. It is safe to call
// from any goroutine, concurrently with Apply. A decision without an action,
// or whose Until is not after its From, is an error wrapping ErrDecision.
func (s *State) Set(d Decision) error {
	if d.Action == None || d.Action > ActionMark {
		return fmt.Errorf("enforce: rule %q for %v: action %v: %w", d.Rule, s.key, d.Action, ErrDecision)
	}
	x := &decided{Decision: d, from: math.MinInt64, until: math.MaxInt64}
	if !d.From.IsZero() {
		x.from = d.From.UnixNano()
	}
	if !d.Until.IsZero() {
		x.until = d.Until.UnixNano()
	}
	if x.until <= x.from {
		return fmt.Errorf("enforce: rule %q for %v: hold ends at %v, not after it starts at %v: %w",
			d.Rule, s.key, d.Until, d.From, ErrDecision)
	}
	s.d.Store(x)
	return nil
}

// Clear withdraws the decision (a hot reload that removed the rule).
func (s *State) Clear() { s.d.Store(nil) }

// Decision returns the decision last set, and false when there is none.
func (s *State) Decision() (Decision, bool) {
	x := s.d.Load()
	if x == nil {
		return Decision{}, false
	}
	return x.Decision, true
}

// active returns the decision in force for a packet at time ns, or nil.
func (s *State) active(ns int64) *decided {
	x := s.d.Load()
	if x == nil || ns < x.from || ns >= x.until {
		return nil
	}
	return x
}
