package enforce

import (
	"fmt"
	"strconv"
	"strings"
)

// Action is what a rule asks to be done to a stream once it matches, as the
// configuration spells it. The zero Action is None: no decision.
type Action uint8

// Actions.
const (
	// None: no action; a Decision needs one of the others.
	None Action = iota
	// ActionLog only reports: packets are accepted (ReasonLogged).
	ActionLog
	// ActionMute replaces the audio with the codec's silence.
	ActionMute
	// ActionBleep replaces the audio with a 1 kHz tone.
	ActionBleep
	// ActionDrop drops the stream's packets.
	ActionDrop
	// ActionMark accepts the stream's packets with the decision's mark.
	ActionMark
)

// Severity orders actions for a stream that has several detections: the
// most severe one in force wins, and a stream's verdict in a report is its
// most severe detection's action. drop > mute > bleep > mark > log > None.
func (a Action) Severity() int {
	switch a {
	case ActionLog:
		return 1
	case ActionMark:
		return 2
	case ActionBleep:
		return 3
	case ActionMute:
		return 4
	case ActionDrop:
		return 5
	}
	return 0
}

// ParseAction parses an action as the configuration spells it: "mute",
// "bleep", "drop", "mark" or "log" (case and surrounding space ignored).
// Anything else is an error wrapping ErrAction that quotes the input.
func ParseAction(s string) (Action, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "log":
		return ActionLog, nil
	case "mute":
		return ActionMute, nil
	case "bleep":
		return ActionBleep, nil
	case "drop":
		return ActionDrop, nil
	case "mark":
		return ActionMark, nil
	}
	return None, fmt.Errorf("enforce: action %q: %w: want mute, bleep, drop, mark or log", s, ErrAction)
}

// String returns the action as the configuration spells it, or "none".
func (a Action) String() string {
	switch a {
	case None:
		return "none"
	case ActionLog:
		return "log"
	case ActionMute:
		return "mute"
	case ActionBleep:
		return "bleep"
	case ActionDrop:
		return "drop"
	case ActionMark:
		return "mark"
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// MarshalText returns the configuration spelling, so that an Action reads
// and writes as a plain string in YAML and JSON.
func (a Action) MarshalText() ([]byte, error) {
	if a == None || a > ActionMark {
		return nil, fmt.Errorf("enforce: %v: %w", a, ErrAction)
	}
	return []byte(a.String()), nil
}

// UnmarshalText parses the configuration spelling, as ParseAction does.
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
