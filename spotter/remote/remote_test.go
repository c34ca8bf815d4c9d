package remote

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/spotter"
	"github.com/spitfilter/spitfilter/spotter/pocketsphinx"
)

// The test binary is also the recognizer process: with childEnv set, it
// serves the engine that names (fake, pocketsphinx, refuse) instead of
// running the tests.
const childEnv = "SPITFILTER_REMOTE_TEST_CHILD"

func TestMain(m *testing.M) {
	if kind := os.Getenv(childEnv); kind != "" {
		os.Exit(child(kind))
	}
	os.Exit(m.Run())
}

func child(kind string) int {
	ctl, err := Control()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var e spotter.Engine
	switch kind {
	case "fake":
		e = fakeEngine{}
	case "pocketsphinx":
		ps, err := pocketsphinx.Open(pocketsphinx.Config{})
		if err != nil {
			Refuse(ctl, err)
			return 2
		}
		e = ps
	default:
		Refuse(ctl, errors.New("no engine: "+kind))
		return 2
	}
	if err := Serve(ctl, e, Info{Model: "model-" + kind, Why: "test"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := e.Close(); err != nil { // not under busy recognizers
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// fakeEngine counts what it is fed. A vocabulary with the phrase "refuse"
// is refused; a sample of 32767 fails a Write, of -32768 ends the process.
type fakeEngine struct{}

func (fakeEngine) Name() string        { return "fake" }
func (fakeEngine) SampleRate() int     { return 16000 }
func (fakeEngine) Knows(w string) bool { return w != "xyzzy" }
func (fakeEngine) Close() error        { return nil }
func (fakeEngine) NewRecognizer(v spotter.Vocabulary) (spotter.Recognizer, error) {
	if slices.Contains(v.Phrases, "refuse") {
		return nil, errors.New("fake: vocabulary refused")
	}
	return &fakeRec{vocab: string(v.Mode) + ":" + strings.Join(v.Phrases, "|")}, nil
}

type fakeRec struct {
	vocab  string
	n      int   // samples in the utterance
	sum    int64 // of their values
	writes int   // Write calls, ever
}

func (r *fakeRec) Write(pcm []int16) error {
	for _, s := range pcm {
		switch s {
		case 32767:
			return errors.New("fake: bad audio")
		case -32768:
			os.Exit(3)
		}
		r.sum += int64(s)
	}
	r.n += len(pcm)
	r.writes++
	return nil
}

// words: the vocabulary, then the count and sum of the samples, timed;
// for the vocabulary "writes", the number of Write calls.
func (r *fakeRec) words(dst []spotter.Word) []spotter.Word {
	if r.vocab == ":writes" {
		return append(dst, spotter.Word{Text: strconv.Itoa(r.writes)})
	}
	end := time.Duration(r.n) * time.Second / 16000
	return append(dst,
		spotter.Word{Text: r.vocab, Confidence: 0.25},
		spotter.Word{Text: strconv.Itoa(r.n) + "/" + strconv.FormatInt(r.sum, 10), Start: end / 2, End: end, Confidence: 1})
}

func (r *fakeRec) Partial(dst []spotter.Word) []spotter.Word { return r.words(dst) }
func (r *fakeRec) Final(dst []spotter.Word) ([]spotter.Word, error) {
	dst = r.words(dst)
	r.n, r.sum = 0, 0
	return dst, nil
}
func (r *fakeRec) Reset()       { r.n, r.sum = 0, 0 }
func (r *fakeRec) Close() error { return nil }

func start(t *testing.T, kind string) *Engine {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	e, err := Start(Options{Argv: []string{exe}, Env: append(os.Environ(), childEnv+"="+kind), Stderr: &stderr})
	if err != nil {
		t.Fatalf("start %s: %v (stderr %q)", kind, err, stderr.String())
	}
	t.Cleanup(func() {
		e.Close()
		if s := e.Stats(); s.Running {
			t.Errorf("process %d runs after Close", s.PID)
		}
	})
	return e
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// TestFake: the engine's name, rate and vocabulary come from the process;
// audio sent in any size arrives whole and in order; words come back with
// their times and confidence; Reset and Final start a new utterance.
func TestFake(t *testing.T) {
	e := start(t, "fake")
	if e.Name() != "fake" || e.SampleRate() != 16000 || e.Info().Model != "model-fake" || e.Info().Why != "test" {
		t.Fatalf("info %+v", e.Info())
	}
	if !e.Knows("cruise") || e.Knows("xyzzy") {
		t.Error("Knows does not ask the model")
	}
	r, err := e.NewRecognizer(spotter.Vocabulary{Mode: spotter.ModeKeyword, Phrases: []string{"free cruise", "press one"}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// 3 writes, one larger than a message holds.
	pcm := make([]int16, 2*maxSamples+1234)
	var sum int64
	for i := range pcm {
		pcm[i] = int16(i%2001 - 1000)
		sum += int64(pcm[i])
	}
	for _, part := range [][]int16{pcm[:160], pcm[160:500], pcm[500:]} {
		if err := r.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	want := []spotter.Word{
		{Text: "keyword:free cruise|press one", Confidence: 0.25},
		{Text: fmt.Sprintf("%d/%d", len(pcm), sum), Start: time.Duration(len(pcm)) * time.Second / 32000, End: time.Duration(len(pcm)) * time.Second / 16000, Confidence: 1},
	}
	prefix := []spotter.Word{{Text: "kept"}}
	if got := r.Partial(slices.Clone(prefix)); !slices.Equal(got, append(prefix, want...)) {
		t.Errorf("Partial:\n got %+v\nwant %+v", got, append(prefix, want...))
	}
	got, err := r.Final(nil)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Final: %+v, %v\nwant %+v", got, err, want)
	}
	if err := r.Write([]int16{5, 6}); err != nil {
		t.Fatal(err)
	}
	r.Reset()
	if err := r.Write([]int16{7}); err != nil {
		t.Fatal(err)
	}
	if got := r.Partial(nil); len(got) != 2 || got[1].Text != "1/7" {
		t.Errorf("after Final, Write, Reset, Write: %+v, want 1/7", got)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Write([]int16{1}); err == nil {
		t.Error("Write after Close: no error")
	}
}

// TestBatched: audio goes to the process in messages of 100 ms, and what
// is gathered is sent before a Partial or Final.
func TestBatched(t *testing.T) {
	e := start(t, "fake")
	r, err := e.NewRecognizer(spotter.Vocabulary{Phrases: []string{"writes"}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for range 25 { // 0.5 s in 20 ms packets at 16 kHz: 5 messages
		if err := r.Write(make([]int16, 320)); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.Partial(nil); len(got) != 1 || got[0].Text != "5" {
		t.Errorf("0.5 s of audio: %v writes in the process, want 5", got)
	}
	r.Write(make([]int16, 320))
	if got, err := r.Final(nil); err != nil || len(got) != 1 || got[0].Text != "6" {
		t.Errorf("20 ms more, then Final: %v writes (%v), want 6", got, err)
	}
}

// TestConcurrent: recognizers used side by side each hear their own audio.
func TestConcurrent(t *testing.T) {
	e := start(t, "fake")
	errs := make(chan error)
	for g := range 8 {
		go func() {
			errs <- func() error {
				r, err := e.NewRecognizer(spotter.Vocabulary{Phrases: []string{strconv.Itoa(g)}})
				if err != nil {
					return err
				}
				defer r.Close()
				for range 200 {
					if err := r.Write([]int16{int16(g), 1}); err != nil {
						return err
					}
				}
				got, err := r.Final(nil)
				if want := fmt.Sprintf("400/%d", 200*(g+1)); err != nil || len(got) != 2 || got[1].Text != want || got[0].Text != ":"+strconv.Itoa(g) {
					return fmt.Errorf("recognizer %d: %+v, %v; want %s", g, got, err, want)
				}
				return nil
			}()
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestErrors: the process's errors reach the caller with its text: a
// refused vocabulary, a failed Write (at the next call), an engine that
// cannot be opened.
func TestErrors(t *testing.T) {
	e := start(t, "fake")
	if _, err := e.NewRecognizer(spotter.Vocabulary{Phrases: []string{"refuse"}}); err == nil || err.Error() != "fake: vocabulary refused" {
		t.Errorf("refused vocabulary: %v", err)
	}
	r, err := e.NewRecognizer(spotter.Vocabulary{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Write([]int16{1, 32767}); err != nil {
		t.Fatal(err) // gathered, not sent yet
	}
	if _, err := r.Final(nil); err == nil || err.Error() != "fake: bad audio" || errors.Is(err, ErrProcessEnded) {
		t.Errorf("Final after a failed Write: %v, want the engine's error", err)
	}
	if err := r.Write([]int16{1}); err == nil || err.Error() != "fake: bad audio" {
		t.Errorf("Write after a failed Write: %v", err)
	}
	// The process serves on.
	if r2, err := e.NewRecognizer(spotter.Vocabulary{}); err != nil {
		t.Errorf("after a failed recognizer: %v", err)
	} else {
		r2.Close()
	}
	if s := e.Stats(); s.Starts != 1 || s.Ends != 0 || !s.Running {
		t.Errorf("stats %+v", s)
	}

	exe, _ := os.Executable()
	_, err = Start(Options{Argv: []string{exe}, Env: append(os.Environ(), childEnv+"=nonesuch")})
	if err == nil || err.Error() != "no engine: nonesuch" {
		t.Errorf("refusing process: %v", err)
	}
	_, err = Start(Options{Argv: []string{filepath.Join(t.TempDir(), "missing")}})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing program: %v", err)
	}
	_, err = Start(Options{Argv: []string{"true"}})
	if !errors.Is(err, ErrProcessEnded) || !strings.Contains(err.Error(), "before it was ready") {
		t.Errorf("program that does not serve: %v", err)
	}
}

// TestProcessEnds: when the process dies, its recognizers fail with
// ErrProcessEnded, and the next request starts a new process.
func TestProcessEnds(t *testing.T) {
	e := start(t, "fake")
	pid := e.Stats().PID
	a, err := e.NewRecognizer(spotter.Vocabulary{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := e.NewRecognizer(spotter.Vocabulary{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Write([]int16{-32768}); err != nil {
		t.Fatal(err)
	}
	a.Partial(nil) // sends it
	// Sockets are not ordered with each other: wait for the end.
	for deadline := time.Now().Add(5 * time.Second); !a.(*recognizer).Lost(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the process did not end")
		}
	}
	if _, err := b.Final(nil); !errors.Is(err, ErrProcessEnded) {
		t.Errorf("the other recognizer, once the process ended: %v, want ErrProcessEnded", err)
	}
	if err := a.Write([]int16{1}); !errors.Is(err, ErrProcessEnded) {
		t.Errorf("Write once the process ended: %v", err)
	}
	if got := b.Partial(nil); len(got) != 0 {
		t.Errorf("Partial once the process ended: %v", got)
	}

	began := time.Now()
	c, err := e.NewRecognizer(spotter.Vocabulary{Phrases: []string{"again"}})
	if err != nil {
		t.Fatalf("after the process ended: %v", err)
	}
	defer c.Close()
	if got := c.Partial(nil); len(got) != 2 || got[0].Text != ":again" {
		t.Errorf("new process: %+v", got)
	}
	s := e.Stats()
	if s.Starts != 2 || s.Ends != 1 || !s.Running || s.PID == pid || alive(pid) {
		t.Errorf("stats %+v (first pid %d, alive %v)", s, pid, alive(pid))
	}
	t.Logf("restarted after %v", time.Since(began).Round(time.Millisecond))
}

// TestClose: Close ends the process; the engine refuses work after it.
func TestClose(t *testing.T) {
	e := start(t, "fake")
	pid := e.Stats().PID
	r, err := e.NewRecognizer(spotter.Vocabulary{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("process %d alive after Close", pid)
	}
	if _, err := r.Final(nil); err == nil {
		t.Error("recognizer works after Close")
	}
	r.Close()
	if _, err := e.NewRecognizer(spotter.Vocabulary{}); !errors.Is(err, ErrClosed) {
		t.Errorf("NewRecognizer after Close: %v", err)
	}
	if e.Knows("cruise") {
		t.Error("Knows after Close")
	}
}

// TestPocketSphinx: the real engine in the process hears what it hears in
// this one, word for word, with the same times.
func TestPocketSphinx(t *testing.T) {
	for _, tool := range []string{"flite", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (make deps installs it): %v", tool, err)
		}
	}
	dir := t.TempDir()
	wav, ulaw := filepath.Join(dir, "a.wav"), filepath.Join(dir, "u.raw")
	if out, err := exec.Command("flite", "-voice", "slt", "-t", "congratulations you have won a free cruise", "-o", wav).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v\n%s", err, out)
	}
	if out, err := exec.Command("sox", wav, "-r", "8000", "-c", "1", "-t", "raw", "-e", "u-law", ulaw).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	b, err := os.ReadFile(ulaw)
	if err != nil {
		t.Fatal(err)
	}
	pcm := decode.AppendDecodeULaw(nil, b)

	local, err := pocketsphinx.Open(pocketsphinx.Config{})
	if err != nil {
		t.Fatalf("Debian's pocketsphinx-en-us is needed (make deps installs it): %v", err)
	}
	defer local.Close()
	e := start(t, "pocketsphinx")
	if e.Name() != local.Name() || e.SampleRate() != local.SampleRate() {
		t.Fatalf("remote %s at %d Hz, local %s at %d Hz", e.Name(), e.SampleRate(), local.Name(), local.SampleRate())
	}
	if !e.Knows("cruise") || e.Knows("xyzzyq") {
		t.Error("Knows")
	}
	hear := func(eng spotter.Engine) []spotter.Detection {
		m, err := spotter.NewMatcher([]spotter.Rule{{Phrase: "free cruise", Action: "mute"}})
		if err != nil {
			t.Fatal(err)
		}
		l, err := spotter.NewListener(eng, m, spotter.ListenerConfig{Mode: spotter.ModeFull, Transcript: true})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		var ds []spotter.Detection
		for i := 0; i < len(pcm); i += 160 {
			if ds, err = l.Write(ds, pcm[i:min(i+160, len(pcm))]); err != nil {
				t.Fatal(err)
			}
		}
		if ds, err = l.Flush(ds); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %v", eng.Name(), l.Transcript())
		return ds
	}
	want, got := hear(local), hear(e)
	if cpu := e.Stats().CPU; cpu < 100*time.Millisecond {
		t.Errorf("the process took %v of CPU, loading a model and recognising: want its CPU time", cpu)
	}
	if len(want) == 0 {
		t.Fatal("the local engine heard no free cruise: the test audio is wrong")
	}
	if !slices.Equal(got, want) {
		t.Errorf("remote detections\n %+v\nlocal\n %+v", got, want)
	}
}

// TestLost: a recognizer is lost once it failed, was closed, or its
// process ended.
func TestLost(t *testing.T) {
	e := start(t, "fake")
	lost := func(r spotter.Recognizer) bool { return r.(interface{ Lost() bool }).Lost() }
	a, _ := e.NewRecognizer(spotter.Vocabulary{})
	b, _ := e.NewRecognizer(spotter.Vocabulary{})
	c, _ := e.NewRecognizer(spotter.Vocabulary{})
	if lost(a) || lost(b) || lost(c) {
		t.Fatal("new recognizers lost")
	}
	b.Close()
	if lost(a) || !lost(b) {
		t.Error("Close")
	}
	a.Write([]int16{-32768}) // the process ends, once it is sent
	a.Partial(nil)
	deadline := time.Now().Add(5 * time.Second)
	for !lost(c) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !lost(c) {
		t.Error("a recognizer of an ended process is not lost")
	}
}
