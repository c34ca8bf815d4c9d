package pocketsphinx

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/spotter"
)

// speak synthesises text with flite's voice and returns it as G.711 µ-law
// decoded back to 8 kHz PCM, as a phone line would carry it.
func speak(t testing.TB, voice, text string) []int16 {
	t.Helper()
	for _, tool := range []string{"flite", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (make deps installs it): %v", tool, err)
		}
	}
	dir := t.TempDir()
	raw, ulaw := filepath.Join(dir, "a.wav"), filepath.Join(dir, "u.raw")
	if out, err := exec.Command("flite", "-voice", voice, "-t", text, "-o", raw).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v\n%s", err, out)
	}
	if out, err := exec.Command("sox", raw, "-r", "8000", "-c", "1", "-t", "raw", "-e", "u-law", ulaw).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	b, err := os.ReadFile(ulaw)
	if err != nil {
		t.Fatal(err)
	}
	return decode.AppendDecodeULaw(nil, b)
}

func openEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := Open(Config{})
	if err != nil {
		t.Fatalf("Debian's pocketsphinx-en-us is needed (make deps installs it): %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func listen(t testing.TB, e *Engine, mode spotter.Mode, pcm []int16, phrases ...string) ([]spotter.Detection, spotter.ListenerStats) {
	t.Helper()
	ds, st, err := hear(e, mode, pcm, phrases...)
	if err != nil {
		t.Fatal(err)
	}
	return ds, st
}

// hear is listen that returns its error, for goroutines other than the
// test's: a listener for phrases hears pcm in 20 ms packets, then is
// flushed.
func hear(e *Engine, mode spotter.Mode, pcm []int16, phrases ...string) ([]spotter.Detection, spotter.ListenerStats, error) {
	var rules []spotter.Rule
	for _, p := range phrases {
		rules = append(rules, spotter.Rule{Phrase: p, Action: "mute"})
	}
	m, err := spotter.NewMatcher(rules)
	if err != nil {
		return nil, spotter.ListenerStats{}, err
	}
	l, err := spotter.NewListener(e, m, spotter.ListenerConfig{Mode: mode})
	if err != nil {
		return nil, spotter.ListenerStats{}, err
	}
	defer l.Close()
	var ds []spotter.Detection
	for i := 0; i < len(pcm); i += 160 { // 20 ms packets
		if ds, err = l.Write(ds, pcm[i:min(i+160, len(pcm))]); err != nil {
			return nil, spotter.ListenerStats{}, err
		}
	}
	ds, err = l.Flush(ds)
	return ds, l.Stats(), err
}

// TestDetects speaks a robocall line with the banned phrase at a known
// place and checks each mode finds it there, and nothing else.
func TestDetects(t *testing.T) {
	e := openEngine(t)
	lead := make([]int16, 12000) // 1.5 s of silence
	before := speak(t, "rms", "Hello, this is an important message about your")
	phrase := speak(t, "rms", "car warranty")
	after := speak(t, "rms", "Please call us back today.")
	pcm := append(append(append(append(lead, before...), phrase...), after...), make([]int16, 8000)...)
	start := time.Duration(len(lead)+len(before)) * time.Second / 8000
	for _, mode := range []spotter.Mode{spotter.ModeKeyword, spotter.ModeFull, spotter.ModeBoth} {
		t.Run(string(mode), func(t *testing.T) {
			ds, st := listen(t, e, mode, pcm, "car warranty", "free cruise", "gift card")
			if len(ds) != 1 {
				t.Fatalf("detections %v, want one of \"car warranty\"", ds)
			}
			d := ds[0]
			if d.Rule != "car warranty" || d.Kind != spotter.KindPhrase || d.Action != "mute" {
				t.Errorf("detection %v", d)
			}
			if diff := d.Start - start; diff < -time.Second || diff > time.Second {
				t.Errorf("detected at %v, the phrase starts at %v", d.Start, start)
			}
			if st.Speech > st.Audio-time.Second {
				t.Errorf("gate passed %v of %v audio, though 2 s are silence", st.Speech, st.Audio)
			}
		})
	}
}

// TestNoiseCostsNothing checks that the gate keeps line noise and silence
// from the recognizer.
func TestNoiseCostsNothing(t *testing.T) {
	e := openEngine(t)
	pcm := make([]int16, 8000*20)
	for i := range pcm { // a steady hiss, about -50 dBFS
		pcm[i] = int16((i*7919)%201 - 100)
	}
	ds, st := listen(t, e, spotter.ModeFull, pcm, "free cruise")
	if len(ds) != 0 || st.Speech != 0 || st.Utterances != 0 {
		t.Errorf("noise: detections %v, %v passed to the recognizer in %d utterances", ds, st.Speech, st.Utterances)
	}
}

func TestUnknownWord(t *testing.T) {
	e := openEngine(t)
	if !e.Knows("cruise") || e.Knows("xyzzyq") {
		t.Fatalf("Knows(cruise)=%v Knows(xyzzyq)=%v", e.Knows("cruise"), e.Knows("xyzzyq"))
	}
	_, err := e.NewRecognizer(spotter.Vocabulary{Phrases: []string{"free xyzzyq"}, Mode: spotter.ModeKeyword})
	var we *WordError
	if !errors.As(err, &we) || we.Word != "xyzzyq" || !errors.Is(err, ErrUnknownWord) {
		t.Fatalf("error %v, want a WordError for xyzzyq", err)
	}
}

func TestModelErrors(t *testing.T) {
	dir := t.TempDir()
	hmm := filepath.Join(dir, "am")
	os.Mkdir(hmm, 0o755)
	for _, f := range []string{"mdef", "means", "variances", "transition_matrices"} {
		os.WriteFile(filepath.Join(hmm, f), []byte("x"), 0o644)
	}
	for _, tc := range []struct {
		name, model, want string
	}{
		{"no directory", filepath.Join(dir, "nope"), "does not exist"},
		{"incomplete acoustic model", dir, "lacks feat.params"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(Config{Model: tc.model})
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrModel saying %q", err, tc.want)
			}
		})
	}
}

// TestRemoveStale: temporary directories of processes that are gone are
// removed; those of running processes, and names without a process id,
// stay.
func TestRemoveStale(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true(1) to make a dead process id:", err)
	}
	dir := t.TempDir()
	names := map[string]bool{ // name -> kept
		fmt.Sprintf("%s%d-123", tmpPrefix, dead.Process.Pid): false,
		fmt.Sprintf("%s%d-456", tmpPrefix, os.Getpid()):      true,
		tmpPrefix + "notapid":                                true,
		"something-else-1":                                   true,
	}
	for n := range names {
		if err := os.MkdirAll(filepath.Join(dir, n, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	removeStale(dir)
	for n, kept := range names {
		_, err := os.Stat(filepath.Join(dir, n))
		if got := err == nil; got != kept {
			t.Errorf("%s: kept %v, want %v", n, got, kept)
		}
	}
}

// rssMB is the process's resident memory in MB, from /proc (Linux).
func rssMB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("resident memory is read from /proc: %v", err)
	}
	var size, res int
	if _, err := fmt.Sscan(string(b), &size, &res); err != nil {
		t.Fatalf("/proc/self/statm: %q: %v", b, err)
	}
	return res * os.Getpagesize() >> 20
}

// TestCloseFreesRecognizer makes and closes full-mode recognizers with the
// phrase boost, one after another, as the daemon does call after call: the
// process must not grow by what each one held. Each used to keep its
// language models (about 58 MB) after Close, because the interpolated set
// and the search retain their models and the references taken to build
// them were never given back. The test stays on one thread, so that the C
// allocator reuses one arena and freed memory shows as reused.
func TestCloseFreesRecognizer(t *testing.T) {
	if testing.Short() {
		t.Skip("makes eight recognizers")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	e := openEngine(t)
	v := spotter.Vocabulary{Mode: spotter.ModeFull, Phrases: []string{"free cruise", "press one"}}
	cycle := func() int {
		r, err := e.NewRecognizer(v)
		if err != nil {
			t.Fatal(err)
		}
		held := rssMB(t)
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		return held
	}
	held := cycle()
	cycle()
	before := rssMB(t)
	const n = 6
	for range n {
		cycle()
	}
	grown := rssMB(t) - before
	t.Logf("the process held %d MB with one recognizer; %d more made and closed grew it by %d MB", held, n, grown)
	if grown > 50 {
		t.Errorf("%d recognizers made and closed grew the process by %d MB: Close does not free what a recognizer holds", n, grown)
	}
}

// TestReleaseKeepsWords: a listener that hands its recognizer back in the
// middle of a phrase (an RTCP BYE between "car" and "warranty", and the
// sender talks on) takes a new one and still hears the phrase. Heard on
// its own, the second half holds no phrase.
func TestReleaseKeepsWords(t *testing.T) {
	e := openEngine(t)
	lead := make([]int16, 8000) // 1 s of silence
	first := append(append(lead, speak(t, "rms", "Hello, this is an important message about your car")...), make([]int16, 2400)...)
	second := append(speak(t, "rms", "warranty. Please call us back today.")[:], make([]int16, 8000)...)
	if ds, _ := listen(t, e, spotter.ModeFull, second, "car warranty"); len(ds) != 0 {
		t.Fatalf("the second half alone: detections %v, want none", ds)
	}

	m, err := spotter.NewMatcher([]spotter.Rule{{Phrase: "car warranty", Action: "mute"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := spotter.NewListener(e, m, spotter.ListenerConfig{Mode: spotter.ModeFull})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var ds []spotter.Detection
	write := func(pcm []int16) {
		for i := 0; i < len(pcm); i += 160 {
			if ds, err = l.Write(ds, pcm[i:min(i+160, len(pcm))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(first)
	if ds, err = l.Release(ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 0 {
		t.Fatalf("detections before the second half: %v", ds)
	}
	write(second)
	if ds, err = l.Flush(ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Rule != "car warranty" {
		t.Fatalf("detections %v, want one of \"car warranty\" across the release", ds)
	}
}

// TestRecognizersKeepTheLog: making, using and closing recognizers leaves
// sphinxbase's process-wide log as it was: off. Each decoder used to be
// started with "-logfn /dev/null", which opened a new log stream and closed
// the one every other decoder was writing to (see TestConcurrentRecognizers
// for what that did).
func TestRecognizersKeepTheLog(t *testing.T) {
	e := openEngine(t)
	pcm := speak(t, "rms", "press one")
	listen(t, e, spotter.ModeKeyword, pcm, "press one")
	if p := logFile(); p != nil {
		t.Fatalf("sphinxbase logs to %p after a recognizer; want its log off", p)
	}
	listen(t, e, spotter.ModeFull, pcm, "press one")
	if p := logFile(); p != nil {
		t.Errorf("sphinxbase logs to %p after a second recognizer; want its log off", p)
	}
	if _, err := Open(Config{Args: []string{"-logfn", "/tmp/ps.log"}}); !errors.Is(err, ErrLogFile) {
		t.Errorf("Open with -logfn: %v, want ErrLogFile", err)
	}
}

// TestConcurrentRecognizers makes, uses and closes recognizers on several
// threads at once, as the daemon's workers and its warm-up do, and ends
// each thread (a goroutine that exits locked to its thread ends it): the C
// allocator then checks the thread's cache of freed memory, where a write
// to freed memory shows as a crash. Every decoder started with "-logfn"
// used to open a log file and close the one in use by the others, while
// they wrote to it (the log is a process-wide FILE in sphinxbase); and
// sphinxbase's number parser (dtoa.c) keeps unlocked process-wide memory
// pools. Each recognizer must also hear what one alone hears.
func TestConcurrentRecognizers(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 16 recognizers")
	}
	e := openEngine(t)
	pcm := append(append(make([]int16, 4000), speak(t, "rms", "You won a free cruise, press one now.")...), make([]int16, 4000)...)
	want, _ := listen(t, e, spotter.ModeKeyword, pcm, "free cruise", "press one")
	if len(want) == 0 {
		t.Fatal("one recognizer alone heard nothing")
	}
	// One recognizer per thread, as a warm-up thread makes: a thread that
	// made more would reuse, and so repair, the freed memory it holds.
	const threads, batch = 16, 8
	errs := make(chan error, threads)
	slots := make(chan struct{}, batch)
	for range threads {
		slots <- struct{}{}
		go func() {
			defer func() { <-slots }()
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			ds, _, err := hear(e, spotter.ModeKeyword, pcm, "free cruise", "press one")
			if err == nil && fmt.Sprint(ds) != fmt.Sprint(want) {
				err = fmt.Errorf("heard %v; alone: %v", ds, want)
			}
			errs <- err
		}()
	}
	for range batch {
		slots <- struct{}{}
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
