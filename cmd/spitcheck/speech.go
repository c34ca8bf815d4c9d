package main

import (
	"fmt"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/cmd/internal/speech"
	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/spotter"
)

// speechSetup is what every stream's listener is made from: one engine,
// loaded once, and one matcher.
type speechSetup struct {
	engine  *speech.Opened
	matcher *spotter.Matcher
	cfg     spotter.ListenerConfig
	mode    spotter.Mode
	rules   int
}

// loadConfig reads --config (or starts from the defaults) and adds --word.
func loadConfig(o *options) (*config.Config, error) {
	cfg := config.Default()
	if o.configPath != "" {
		c, err := config.Load(o.configPath)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if len(o.words) > 0 {
		if err := cfg.AddWords(o.words...); err != nil {
			return nil, fmt.Errorf("--word: %w", err)
		}
	}
	if o.engine != "" {
		cfg.Engine = config.Engine(o.engine)
	}
	if o.mode != "" {
		cfg.Mode = config.Mode(o.mode)
	}
	return cfg, nil
}

// setupSpeech opens the engine and builds the matcher; nil when no rule is
// configured (then nothing is listened for).
func setupSpeech(o *options, cfg *config.Config, env func(string) string) (*speechSetup, error) {
	rules := speech.Rules(cfg)
	if len(rules) == 0 {
		return nil, nil
	}
	m, err := spotter.NewMatcher(rules)
	if err != nil {
		return nil, err
	}
	mo := speech.ModelOptions(env)
	mo.Flag, mo.Config, mo.ConfigFile = o.model, cfg.Model, o.configPath
	eng, err := speech.Open(speech.Settings{Engine: string(cfg.Engine), Models: mo})
	if err != nil {
		return nil, err
	}
	if err := speech.CheckVocabulary(eng, m.Phrases()); err != nil {
		eng.Close()
		return nil, err
	}
	lc := speech.ListenerConfig(cfg)
	lc.Transcript = lc.Transcript || o.transcript
	return &speechSetup{engine: eng, matcher: m, mode: lc.Mode, rules: len(rules), cfg: lc}, nil
}

// describe is the engine line of the report.
func (s *speechSetup) describe() string {
	mode := string(s.mode)
	if mode == "" {
		mode = "auto"
	}
	return fmt.Sprintf("%s, mode %s, %d rules (%s)", s.engine.Name(), mode, s.rules, s.engine.Why)
}

func (s *speechSetup) close() {
	if s != nil {
		s.engine.Close()
	}
}

// verdictOf is a stream's verdict: the most severe action of its
// detections (enforce.Action.Severity, the order the daemon applies), or
// accept.
func verdictOf(ds []detection) string {
	v, best := "accept", 0
	for _, d := range ds {
		a, _ := enforce.ParseAction(d.Action)
		if s := a.Severity(); s > best {
			v, best = d.Action, s
		}
	}
	return v
}
