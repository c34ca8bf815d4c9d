// Package speech opens the speech engine both commands use, choosing
// between Vosk and PocketSphinx, and checks the banned words against its
// vocabulary.
package speech

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/models"
	"github.com/spitfilter/spitfilter/spotter"
	"github.com/spitfilter/spitfilter/spotter/pocketsphinx"
	"github.com/spitfilter/spitfilter/spotter/vosk"
)

// Settings say which engine to open.
type Settings struct {
	// Engine is auto, vosk or pocketsphinx ("" means auto).
	Engine string
	// Models says where models may be (flag, config, environment).
	Models models.Options
}

// ModelOptions are the places a model is searched that the environment
// gives (SPITFILTER_MODEL_DIR, XDG_CACHE_HOME, HOME); the caller adds its
// flag and config values.
func ModelOptions(env func(string) string) models.Options {
	return models.Options{
		EnvDir:       env("SPITFILTER_MODEL_DIR"),
		XDGCacheHome: env("XDG_CACHE_HOME"),
		Home:         env("HOME"),
	}
}

// Opened is an open engine and how it was chosen.
type Opened struct {
	spotter.Engine
	// Model is the model directory in use.
	Model string
	// Why says how the engine was chosen, for the user.
	Why string
}

// Open opens the engine the settings ask for. With auto, Vosk is taken when
// a valid Vosk model is found (and this build has Vosk), else PocketSphinx.
func Open(s Settings) (*Opened, error) {
	switch s.Engine {
	case "", "auto":
		f, err := models.Locate(models.Vosk, s.Models)
		if err == nil {
			e, verr := openVosk(f)
			if verr == nil {
				return &Opened{Engine: e, Model: f.Path, Why: fmt.Sprintf("auto: Vosk model %s (%s)", f.Path, f.Source)}, nil
			}
			err = verr
		}
		o, perr := openPocketSphinx(s.Models, "")
		if perr != nil {
			return nil, fmt.Errorf("engine auto: no usable Vosk model (%v), and PocketSphinx: %w", err, perr)
		}
		o.Why = "auto: no usable Vosk model, so PocketSphinx " + o.Model
		return o, nil
	case "vosk":
		f, err := models.Locate(models.Vosk, s.Models)
		if err != nil {
			return nil, fmt.Errorf("engine vosk: %w", err)
		}
		e, err := openVosk(f)
		if err != nil {
			return nil, err
		}
		return &Opened{Engine: e, Model: f.Path, Why: fmt.Sprintf("vosk: model %s (%s)", f.Path, f.Source)}, nil
	case "pocketsphinx":
		return openPocketSphinx(s.Models, "pocketsphinx: ")
	}
	return nil, fmt.Errorf("engine %q: want auto, vosk or pocketsphinx", s.Engine)
}

func openVosk(f models.Found) (spotter.Engine, error) {
	e, err := vosk.Open(vosk.Config{Model: f.Path})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func openPocketSphinx(o models.Options, why string) (*Opened, error) {
	f, err := models.Locate(models.PocketSphinx, o)
	if err != nil {
		return nil, fmt.Errorf("engine pocketsphinx: %w", err)
	}
	cfg := pocketsphinx.Config{Model: f.Path}
	if f.Model != nil {
		cfg.HMM, cfg.Dict, cfg.LM = f.Model.Acoustic, f.Model.Dict, f.Model.LM
	}
	e, err := pocketsphinx.Open(cfg)
	if err != nil {
		return nil, err
	}
	return &Opened{Engine: e, Model: f.Path, Why: fmt.Sprintf("%smodel %s (%s)", why, f.Path, f.Source)}, nil
}

// ErrVocabulary is wrapped by CheckVocabulary's error.
var ErrVocabulary = errors.New("banned words the model cannot recognise")

// CheckVocabulary checks every word of every banned phrase against the
// engine's vocabulary: a word it lacks could never be detected, so it is a
// configuration error. The error lists them all.
func CheckVocabulary(e spotter.Engine, phrases []string) error {
	var bad []string
	seen := map[string]bool{}
	for _, p := range phrases {
		for _, w := range strings.Fields(p) {
			if !seen[w] && !e.Knows(w) {
				bad = append(bad, fmt.Sprintf("%q (in %q)", w, p))
			}
			seen[w] = true
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w (%s): %s; spell them as the model's dictionary does, or drop them", ErrVocabulary, e.Name(), strings.Join(bad, ", "))
	}
	return nil
}

// Rules turns the config's rules into the matcher's. Both commands use it,
// so that offline and live verdicts agree.
func Rules(cfg *config.Config) []spotter.Rule {
	var rules []spotter.Rule
	for _, r := range cfg.Rules() {
		phrase := r.Text
		if r.Kind == config.KindPattern {
			phrase = ""
		}
		rules = append(rules, spotter.Rule{
			Name: r.Name, Phrase: phrase, Pattern: r.Pattern,
			Action: r.Action.String(), MinConfidence: r.MinConfidence,
		})
	}
	return rules
}

// ListenerConfig is the listener set-up both commands use for cfg.
func ListenerConfig(cfg *config.Config) spotter.ListenerConfig {
	mode := spotter.Mode(cfg.Mode)
	if cfg.Mode == config.ModeAuto {
		mode = spotter.ModeAuto
	}
	return spotter.ListenerConfig{Mode: mode, Transcript: cfg.Transcript}
}

// RTPTimestamp is the 32-bit RTP timestamp (8 kHz clock, as on the wire) at
// stream time t, given the stream's first extended timestamp: how both
// commands report where a detection lies in the stream.
func RTPTimestamp(first uint64, t time.Duration) uint32 {
	return uint32(first + uint64(t*8000/time.Second))
}
