package config

import (
	"fmt"
	"strings"
)

// Action is what happens to a stream once a rule matches it.
type Action uint8

const (
	// ActionInherit, the zero value, means "the config's action" for a
	// rule, and mute for the config itself.
	ActionInherit Action = iota
	// ActionMute rewrites the stream's payload to the codec's silence.
	ActionMute
	// ActionBleep rewrites the stream's payload to a 1 kHz tone.
	ActionBleep
	// ActionDrop verdicts the stream's packets NF_DROP.
	ActionDrop
	// ActionMark sets the nfmark (Config.Mark) on the stream's packets.
	ActionMark
	// ActionLog only reports.
	ActionLog
)

// actionNames spells the actions as the config file does, indexed by Action.
var actionNames = [...]string{"inherit", "mute", "bleep", "drop", "mark", "log"}

// String returns the action's name as the config file spells it.
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// MarshalText implements encoding.TextMarshaler (events carry the action
// by name).
func (a Action) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, fmt.Errorf("%w %d for action", ErrUnknownValue, uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseAction.
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseAction returns the action named s: mute, bleep, drop, mark or log.
func ParseAction(s string) (Action, error) {
	for a := ActionMute; int(a) < len(actionNames); a++ {
		if s == actionNames[a] {
			return a, nil
		}
	}
	return ActionInherit, fmt.Errorf("%w %q: want %s", ErrUnknownValue, s, oneOf(actionNames[1:]))
}

func (a Action) valid() bool { return a <= ActionLog }

// Engine names the speech recognition engine.
type Engine string

// Engines. "" means EngineAuto.
const (
	// EngineAuto uses Vosk when a Vosk model is found, else PocketSphinx.
	EngineAuto         Engine = "auto"
	EngineVosk         Engine = "vosk"
	EnginePocketSphinx Engine = "pocketsphinx"
)

var engineNames = []string{string(EngineAuto), string(EngineVosk), string(EnginePocketSphinx)}

// Mode says how the recognizer listens (see spotter.Mode, whose auto is "").
type Mode string

// Modes. "" means ModeAuto.
const (
	// ModeAuto lets the engine choose.
	ModeAuto Mode = "auto"
	// ModeKeyword listens only for the banned phrases.
	ModeKeyword Mode = "keyword"
	// ModeFull recognises everything; patterns need it.
	ModeFull Mode = "full"
	// ModeBoth runs keyword spotting and full recognition side by side.
	ModeBoth Mode = "both"
)

var modeNames = []string{string(ModeAuto), string(ModeKeyword), string(ModeFull), string(ModeBoth)}

// oneOf formats names as "a, b or c".
func oneOf(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func contains(names []string, s string) bool {
	for _, n := range names {
		if n == s {
			return true
		}
	}
	return false
}
