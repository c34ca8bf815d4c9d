package pocketsphinx

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/spitfilter/spitfilter/spotter"
)

// DefaultModel is where Debian's pocketsphinx-en-us package puts its model.
const DefaultModel = "/usr/share/pocketsphinx/model/en-us"

// Config says which model to load and how to listen. The zero value means
// Debian's en-us model with the defaults below.
type Config struct {
	// Model is a directory holding the acoustic model (a subdirectory with
	// feat.params, mdef, means, ...), a pronunciation dictionary (*.dict or
	// *.dic) and a language model (*.lm.bin, *.lm or *.DMP). Default
	// DefaultModel. HMM, Dict and LM override single parts.
	Model         string
	HMM, Dict, LM string

	// KeywordThreshold is the keyword-spotting detection threshold as a
	// power of ten per phone of the phrase: a phrase of n phones is
	// reported when p(phrase)/p(alternatives) exceeds 10^(-n*KeywordThreshold).
	// Longer phrases need lower thresholds, which this scales for. Default
	// DefaultKeywordThreshold.
	KeywordThreshold float64

	// LiveCMN normalises the cepstral mean as audio arrives instead of over
	// the whole utterance, so partial results are available mid-utterance.
	LiveCMN bool

	// Boost is the weight, 0 to 1, of a small language model of the banned
	// phrases interpolated with the general one in full recognition, so
	// that a phrase the acoustics make plausible is not lost to the general
	// model's prior. Default DefaultBoost; negative turns it off.
	Boost float64

	// Args are extra PocketSphinx arguments ("-beam", "1e-60", ...), applied
	// last.
	Args []string
}

// DefaultKeywordThreshold is Config.KeywordThreshold's default.
const DefaultKeywordThreshold = 2.0

// DefaultBoost is Config.Boost's default, chosen on the accuracy corpus
// (testdata/corpus): full recognition found 15 of 32 phrases without it
// and 23 with it, with no false alarm on the negative audio either way.
const DefaultBoost = 0.05

// Engine is Debian's PocketSphinx with one model. PocketSphinx cannot share
// a loaded model between decoders, so each recognizer loads its own; the
// engine holds the dictionary to check words and count phones.
type Engine struct {
	cfg   Config
	hmm   string
	dict  string
	lm    string
	words map[string]int // word -> phones of its first pronunciation

	mu     sync.Mutex
	tmpDir string
	files  map[string]string // kind and phrase list -> file written
}

// Open checks the model files and reads the dictionary.
func Open(cfg Config) (*Engine, error) {
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.KeywordThreshold == 0 {
		cfg.KeywordThreshold = DefaultKeywordThreshold
	}
	if cfg.Boost == 0 {
		cfg.Boost = DefaultBoost
	}
	for _, a := range cfg.Args {
		if a == "-logfn" {
			return nil, ErrLogFile
		}
	}
	e := &Engine{cfg: cfg, hmm: cfg.HMM, dict: cfg.Dict, lm: cfg.LM, files: map[string]string{}}
	if err := e.locate(); err != nil {
		return nil, err
	}
	words, err := readDict(e.dict)
	if err != nil {
		return nil, err
	}
	e.words = words
	return e, nil
}

// locate fills in the acoustic model, dictionary and language model paths
// and checks that every file PocketSphinx will open is there.
func (e *Engine) locate() error {
	dir := e.cfg.Model
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%w: model directory %s does not exist (install Debian's pocketsphinx-en-us, or set model: in the config)", ErrModel, dir)
	}
	if e.hmm == "" {
		entries, _ := os.ReadDir(dir)
		for _, ent := range entries {
			if ent.IsDir() && fileExists(filepath.Join(dir, ent.Name(), "mdef")) {
				e.hmm = filepath.Join(dir, ent.Name())
				break
			}
		}
		if e.hmm == "" && fileExists(filepath.Join(dir, "mdef")) {
			e.hmm = dir
		}
		if e.hmm == "" {
			return fmt.Errorf("%w: no acoustic model (a directory with mdef, means, variances, ...) in %s", ErrModel, dir)
		}
	}
	for _, f := range []string{"mdef", "means", "variances", "transition_matrices", "feat.params"} {
		if !fileExists(filepath.Join(e.hmm, f)) {
			return fmt.Errorf("%w: acoustic model %s lacks %s", ErrModel, e.hmm, f)
		}
	}
	if !fileExists(filepath.Join(e.hmm, "sendump")) && !fileExists(filepath.Join(e.hmm, "mixture_weights")) {
		return fmt.Errorf("%w: acoustic model %s lacks sendump or mixture_weights", ErrModel, e.hmm)
	}
	if e.dict == "" {
		e.dict = firstMatch(dir, "*.dict", "*.dic")
		if e.dict == "" {
			return fmt.Errorf("%w: no pronunciation dictionary (*.dict) in %s", ErrModel, dir)
		}
	}
	if e.lm == "" {
		e.lm = firstMatch(dir, "*[!e].lm.bin", "*.lm.bin", "*.lm", "*.DMP")
		if strings.HasSuffix(e.lm, "-phone.lm.bin") {
			e.lm = ""
		}
	}
	for _, f := range []string{e.dict, e.lm} {
		if f != "" && !fileExists(f) {
			return fmt.Errorf("%w: %s does not exist", ErrModel, f)
		}
	}
	return nil
}

func firstMatch(dir string, patterns ...string) string {
	for _, p := range patterns {
		m, _ := filepath.Glob(filepath.Join(dir, p))
		for _, f := range m {
			if !strings.HasSuffix(f, "-phone.lm.bin") {
				return f
			}
		}
	}
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// readDict reads a CMU-style dictionary: "word PH ON ES" per line,
// alternatives as "word(2) ...".
func readDict(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	defer f.Close()
	words := make(map[string]int, 140000)
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		w := strings.ToLower(baseWord(fields[0]))
		if _, ok := words[w]; !ok {
			words[w] = len(fields) - 1
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s line %d: %v", ErrModel, path, line, err)
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("%w: dictionary %s has no words", ErrModel, path)
	}
	return words, nil
}

// Name is "pocketsphinx".
func (e *Engine) Name() string { return "pocketsphinx" }

// SampleRate is 16000: the en-us model is wideband.
func (e *Engine) SampleRate() int { return 16000 }

// Knows reports whether the dictionary has word.
func (e *Engine) Knows(word string) bool {
	_, ok := e.words[strings.ToLower(word)]
	return ok
}

// Paths are the model files in use: acoustic model, dictionary, language model.
func (e *Engine) Paths() (hmm, dict, lm string) { return e.hmm, e.dict, e.lm }

// phones counts the phones of a phrase; unknown words are errors.
func (e *Engine) phones(phrase string) (int, error) {
	n := 0
	for _, w := range strings.Fields(phrase) {
		p, ok := e.words[w]
		if !ok {
			return 0, &WordError{Word: w, Phrase: phrase, Dict: e.dict}
		}
		n += p
	}
	return n, nil
}

// WordError is a banned word the dictionary lacks.
type WordError struct {
	Word, Phrase, Dict string
}

func (e *WordError) Error() string {
	return fmt.Sprintf("pocketsphinx: banned word %q (in %q) is not in the dictionary %s", e.Word, e.Phrase, e.Dict)
}

func (e *WordError) Unwrap() error { return ErrUnknownWord }

// baseArgs are the arguments every decoder gets.
func (e *Engine) baseArgs() []string {
	args := []string{
		"-hmm", e.hmm,
		"-dict", e.dict,
		// Noise removal damages G.711 speech.
		"-remove_noise", "no",
		// The listener's gate already cut the silence; PocketSphinx's own
		// silence removal also shifts the word times it reports.
		"-remove_silence", "no",
		// No "-logfn": see ErrLogFile.
	}
	if e.cfg.LiveCMN {
		args = append(args, "-cmn", "live")
	}
	return args
}

// keywordFile writes (once per phrase list) a keyword file with a
// threshold per phrase scaled by its length in phones.
func (e *Engine) keywordFile(phrases []string) (string, error) {
	return e.file("keywords", ".txt", phrases, func(b *strings.Builder) error {
		for _, p := range phrases {
			n, err := e.phones(p)
			if err != nil {
				return err
			}
			exp := -float64(n) * e.cfg.KeywordThreshold
			exp = math.Max(exp, -300)
			fmt.Fprintf(b, "%s /1e%s/\n", p, strconv.FormatFloat(exp, 'f', 0, 64))
		}
		return nil
	})
}

// file writes, once per kind and phrase list, a file PocketSphinx reads
// (it takes keywords and language models by path only) into the engine's
// temporary directory, and returns its path.
func (e *Engine) file(kind, ext string, phrases []string, fill func(*strings.Builder) error) (string, error) {
	key := kind + "\n" + strings.Join(phrases, "\n")
	e.mu.Lock()
	defer e.mu.Unlock()
	if f, ok := e.files[key]; ok {
		return f, nil
	}
	var b strings.Builder
	if err := fill(&b); err != nil {
		return "", err
	}
	if e.tmpDir == "" {
		removeStale(os.TempDir())
		d, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", tmpPrefix, os.Getpid()))
		if err != nil {
			return "", err
		}
		e.tmpDir = d
	}
	f := filepath.Join(e.tmpDir, fmt.Sprintf("%s-%d%s", kind, len(e.files), ext))
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		return "", err
	}
	e.files[key] = f
	return f, nil
}

// tmpPrefix begins the name of an engine's temporary directory, which goes
// on with the process id.
const tmpPrefix = "spitfilter-pocketsphinx-"

// removeStale removes the temporary directories in dir that engines of
// processes no longer running left behind (a process killed with SIGKILL
// cannot clean up). A directory whose process still runs, or whose name
// does not end in a process id, stays.
func removeStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, en := range entries {
		name := en.Name()
		if !en.IsDir() || !strings.HasPrefix(name, tmpPrefix) {
			continue
		}
		pidText, _, _ := strings.Cut(strings.TrimPrefix(name, tmpPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(dir, name))
	}
}

// phraseLM writes (once per phrase list) an ARPA bigram model in which
// each phrase's words follow each other.
func (e *Engine) phraseLM(phrases []string) (string, error) {
	return e.file("phrases", ".lm", phrases, func(b *strings.Builder) error {
		uni := map[string]bool{"<s>": true, "</s>": true}
		next := map[string]map[string]bool{}
		for _, p := range phrases {
			ws := append(append([]string{"<s>"}, strings.Fields(p)...), "</s>")
			for i, w := range ws {
				uni[w] = true
				if i > 0 {
					if next[ws[i-1]] == nil {
						next[ws[i-1]] = map[string]bool{}
					}
					next[ws[i-1]][w] = true
				}
			}
		}
		var words []string
		for w := range uni {
			words = append(words, w)
		}
		sort.Strings(words)
		nb := 0
		for _, n := range next {
			nb += len(n)
		}
		fmt.Fprintf(b, "\\data\\\nngram 1=%d\nngram 2=%d\n\n\\1-grams:\n", len(words), nb)
		lp := -math.Log10(float64(len(words) - 1))
		for _, w := range words {
			p := lp
			if w == "<s>" {
				p = -99
			}
			fmt.Fprintf(b, "%.4f %s 0.0000\n", p, w)
		}
		b.WriteString("\n\\2-grams:\n")
		for _, w := range words {
			var ns []string
			for n := range next[w] {
				ns = append(ns, n)
			}
			sort.Strings(ns)
			for _, n := range ns {
				fmt.Fprintf(b, "%.4f %s %s\n", -math.Log10(float64(len(ns))), w, n)
			}
		}
		b.WriteString("\n\\end\\\n")
		return nil
	})
}

// NewRecognizer starts the decoders a mode needs: keyword spotting for
// ModeKeyword, full recognition with the language model (biased towards the
// phrases, see Config.Boost) for ModeFull, the default, and both side by side
// for ModeBoth. Full recognition costs about seven times the CPU of keyword
// spotting and finds more phrases with far fewer false alarms (README).
func (e *Engine) NewRecognizer(v spotter.Vocabulary) (spotter.Recognizer, error) {
	mode := v.Mode
	if mode == spotter.ModeAuto {
		mode = spotter.ModeFull
	}
	r := &Recognizer{}
	if mode == spotter.ModeKeyword || mode == spotter.ModeBoth {
		if len(v.Phrases) == 0 {
			return nil, fmt.Errorf("pocketsphinx: keyword mode needs at least one phrase")
		}
		kf, err := e.keywordFile(v.Phrases)
		if err != nil {
			return nil, err
		}
		args := append(e.baseArgs(), "-kws", kf)
		args = append(args, e.cfg.Args...)
		d, err := newDecoder(args)
		if err != nil {
			return nil, err
		}
		r.kws = d
	}
	if mode == spotter.ModeFull || mode == spotter.ModeBoth {
		if e.lm == "" {
			r.Close()
			return nil, fmt.Errorf("%w: full recognition needs a language model in %s", ErrModel, e.cfg.Model)
		}
		// With a boost, the decoder starts without a language model and
		// gets the biased one as its only search.
		boost := e.cfg.Boost > 0 && len(v.Phrases) > 0
		args := append(e.baseArgs(), "-bestpath", "yes")
		if !boost {
			args = append(args, "-lm", e.lm)
		}
		args = append(args, e.cfg.Args...)
		d, err := newDecoder(args)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.full = d
		if boost {
			arpa, err := e.phraseLM(v.Phrases)
			if err == nil {
				err = d.boost(e.lm, arpa, e.cfg.Boost)
			}
			if err != nil {
				r.Close()
				return nil, err
			}
		}
	}
	for _, d := range []*decoder{r.kws, r.full} {
		if d != nil {
			r.ds = append(r.ds, d)
		}
	}
	if len(r.ds) == 0 {
		return nil, fmt.Errorf("pocketsphinx: unknown mode %q", v.Mode)
	}
	return r, nil
}

// Close removes the keyword files.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tmpDir != "" {
		os.RemoveAll(e.tmpDir)
		e.tmpDir = ""
		e.files = map[string]string{}
	}
	return nil
}

var _ spotter.Engine = (*Engine)(nil)
