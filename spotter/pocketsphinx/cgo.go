package pocketsphinx

/*
#cgo pkg-config: pocketsphinx sphinxbase
#include <stdlib.h>
#include <stdio.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/ngram_model.h>

// psInit parses argv against PocketSphinx's argument table and starts a
// decoder. The config is owned by the decoder afterwards.
static ps_decoder_t *psInit(int argc, char **argv) {
	cmd_ln_t *cfg = cmd_ln_parse_r(NULL, ps_args(), argc, argv, 1);
	if (cfg == NULL) {
		return NULL;
	}
	ps_decoder_t *ps = ps_init(cfg);
	cmd_ln_free_r(cfg);
	return ps;
}

static void psQuiet(void) { err_set_logfp(NULL); }

static void *psLogFile(void) { return err_get_logfp(); }

// psBoost reads the language model lm and interpolates it with a small
// one (an ARPA file) holding the banned phrases, weight w for the small one,
// and makes that the active search. The decoder was started without a
// language model, so this is the only search it builds (one more would cost
// as much CPU and memory again). Each step takes its own references: the set
// retains its models and the search retains the set, so the ones taken here
// are given back, and ps_free releases everything.
static int psBoost(ps_decoder_t *ps, const char *lm, const char *arpa, float w) {
	cmd_ln_t *cfg = ps_get_config(ps);
	logmath_t *lmath = ps_get_logmath(ps);
	ngram_model_t *base = ngram_model_read(cfg, lm, NGRAM_AUTO, lmath);
	if (base == NULL) {
		return -1;
	}
	ngram_model_t *ph = ngram_model_read(cfg, arpa, NGRAM_ARPA, lmath);
	if (ph == NULL) {
		ngram_model_free(base);
		return -2;
	}
	ngram_model_t *models[2] = { base, ph };
	char *names[2] = { "base", "banned" };
	float32 weights[2] = { 1 - w, w };
	ngram_model_t *set = ngram_model_set_init(cfg, models, names, weights, 2);
	ngram_model_free(base);
	ngram_model_free(ph);
	if (set == NULL) {
		return -3;
	}
	int r = ps_set_lm(ps, "boost", set);
	ngram_model_free(set);
	if (r < 0) {
		return -4;
	}
	return ps_set_search(ps, "boost");
}

static double psPosterior(ps_decoder_t *ps, ps_seg_t *seg) {
	int32 ascr, lscr, lback;
	int32 p = ps_seg_prob(seg, &ascr, &lscr, &lback);
	return logmath_exp(ps_get_logmath(ps), p);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

var quietOnce sync.Once

// initMu makes one decoder at a time in the process. Making one parses
// numbers (every float argument, keyword thresholds, the phrases' ARPA
// model) with sphinxbase's strtod (dtoa.c), whose memory pools are
// process-wide and unlocked: two threads parsing at once can hand each
// other the same memory. A decoder's work after it is made (processing,
// ending utterances, freeing) parses nothing.
var initMu sync.Mutex

// logFile is sphinxbase's process-wide log stream (nil: logging is off).
// Every decoder writes its log there.
func logFile() unsafe.Pointer { return C.psLogFile() }

// decoder is one ps_decoder_t.
type decoder struct {
	ps      *C.ps_decoder_t
	inUtt   bool
	frames  int // frames of the current utterance whose words were reported
	scratch []C.int16
}

// newDecoder starts a PocketSphinx decoder with the given arguments
// ("-hmm", dir, ...). Its log goes nowhere: sphinxbase's logging is turned
// off once for the process, and errors come back as Go errors.
func newDecoder(args []string) (*decoder, error) {
	quietOnce.Do(func() { C.psQuiet() })
	argv := make([]*C.char, len(args))
	for i, a := range args {
		argv[i] = C.CString(a)
	}
	defer func() {
		for _, p := range argv {
			C.free(unsafe.Pointer(p))
		}
	}()
	var ps *C.ps_decoder_t
	if len(argv) > 0 {
		initMu.Lock()
		ps = C.psInit(C.int(len(argv)), &argv[0])
		initMu.Unlock()
	}
	if ps == nil {
		return nil, fmt.Errorf("%w (arguments: %s)", ErrInit, strings.Join(args, " "))
	}
	return &decoder{ps: ps}, nil
}

// boost makes the decoder's search the language model lm biased towards
// the phrases in the ARPA file. The decoder must have been started without
// a language model.
func (d *decoder) boost(lm, arpa string, weight float64) error {
	cl, ca := C.CString(lm), C.CString(arpa)
	defer C.free(unsafe.Pointer(cl))
	defer C.free(unsafe.Pointer(ca))
	initMu.Lock()
	r := C.psBoost(d.ps, cl, ca, C.float(weight))
	initMu.Unlock()
	if r < 0 {
		return fmt.Errorf("pocketsphinx: biasing the language model %s with %s failed (%d)", lm, arpa, int(r))
	}
	return nil
}

func (d *decoder) start() error {
	if d.inUtt {
		return nil
	}
	if C.ps_start_utt(d.ps) < 0 {
		return errors.New("pocketsphinx: cannot start an utterance")
	}
	d.inUtt = true
	return nil
}

func (d *decoder) process(pcm []int16) error {
	if len(pcm) == 0 {
		return nil
	}
	if err := d.start(); err != nil {
		return err
	}
	// int16 and C.int16 have the same layout; PocketSphinx does not keep
	// the buffer after the call.
	n := C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&pcm[0])), C.size_t(len(pcm)), 0, 0)
	if n < 0 {
		return fmt.Errorf("pocketsphinx: processing %d samples failed", len(pcm))
	}
	return nil
}

// end finishes the utterance.
func (d *decoder) end() error {
	if !d.inUtt {
		return nil
	}
	d.inUtt = false
	if C.ps_end_utt(d.ps) < 0 {
		return errors.New("pocketsphinx: cannot end the utterance")
	}
	return nil
}

// seg is one word segment: text, frames and posterior.
type seg struct {
	word   string
	sf, ef int
	prob   float64
}

// segments appends the segments of the current hypothesis to dst, skipping
// fillers (<s>, </s>, <sil>, [NOISE], ...).
func (d *decoder) segments(dst []seg) []seg {
	var score C.int32
	if C.ps_get_hyp(d.ps, &score) == nil {
		return dst
	}
	for it := C.ps_seg_iter(d.ps); it != nil; it = C.ps_seg_next(it) {
		w := C.GoString(C.ps_seg_word(it))
		if isFiller(w) {
			continue
		}
		var sf, ef C.int
		C.ps_seg_frames(it, &sf, &ef)
		dst = append(dst, seg{word: baseWord(w), sf: int(sf), ef: int(ef), prob: float64(C.psPosterior(d.ps, it))})
	}
	return dst
}

// hyp is the current hypothesis string, "" if none.
func (d *decoder) hyp() string {
	var score C.int32
	h := C.ps_get_hyp(d.ps, &score)
	if h == nil {
		return ""
	}
	return C.GoString(h)
}

func (d *decoder) free() {
	if d.ps != nil {
		C.ps_free(d.ps)
		d.ps = nil
	}
}

func isFiller(w string) bool {
	return w == "" || w[0] == '<' || w[0] == '[' || w[0] == '+'
}

// baseWord strips the alternative-pronunciation suffix: "the(2)" -> "the".
func baseWord(w string) string {
	if i := strings.IndexByte(w, '('); i > 0 && strings.HasSuffix(w, ")") {
		return w[:i]
	}
	return w
}
