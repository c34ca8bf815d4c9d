//go:build !novosk

package vosk

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unsafe"

	vosk "github.com/alphacep/vosk-api/go"

	"github.com/spitfilter/spitfilter/spotter"
)

// TestLinksLibvosk calls into libvosk through the binding: if the package
// does not link against libvosk, this test binary does not build and the
// package fails.
func TestLinksLibvosk(t *testing.T) {
	vosk.SetLogLevel(-1)
	vosk.SetLogLevel(0)
}

// TestBindingLayout guards isNil: the binding's model and recognizer types
// must each be a struct of one C pointer, the value libvosk returned, as in
// v0.3.45. A binding upgrade that changes this fails here, not in a crash.
func TestBindingLayout(t *testing.T) {
	for _, v := range []any{vosk.VoskModel{}, vosk.VoskRecognizer{}} {
		typ := reflect.TypeOf(v)
		if typ.NumField() != 1 || typ.Field(0).Type.Kind() != reflect.Pointer || typ.Size() != unsafe.Sizeof(uintptr(0)) {
			t.Errorf("%v is no longer a struct of one pointer; isNil must change", typ)
		}
	}
	if !isNil(unsafe.Pointer(&vosk.VoskModel{})) || !isNil(unsafe.Pointer(&vosk.VoskRecognizer{})) {
		t.Error("isNil = false for a binding value holding NULL")
	}
	p := new(byte)
	if isNil(unsafe.Pointer(&p)) {
		t.Error("isNil = true for a non-nil pointer")
	}
}

// libvoskPath finds the libvosk.so the dynamic linker will load.
func libvoskPath(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ldconfig", "-p").Output()
	if err != nil {
		t.Fatalf("ldconfig -p: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 && f[0] == "libvosk.so" {
			return f[len(f)-1]
		}
	}
	t.Fatalf("ldconfig -p lists no libvosk.so; run spotter/vosk/install-libvosk.sh")
	return ""
}

// TestHeaderMatchesBindingAndLibrary checks include/vosk_api.h against both
// sides: it declares exactly the functions the binding calls, and libvosk
// exports each of them.
func TestHeaderMatchesBindingAndLibrary(t *testing.T) {
	if _, err := exec.LookPath("nm"); err != nil {
		t.Skip("nm (binutils) not installed")
	}
	header, err := os.ReadFile(filepath.Join("include", "vosk_api.h"))
	if err != nil {
		t.Fatal(err)
	}
	declared := names(regexp.MustCompile(`\b(vosk_\w+)\(`), string(header))

	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/alphacep/vosk-api/go").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	binding, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(dir)), "vosk.go"))
	if err != nil {
		t.Fatal(err)
	}
	called := names(regexp.MustCompile(`\bC\.(vosk_\w+)\(`), string(binding))
	if len(called) < 10 || !slices.Equal(declared, called) {
		t.Errorf("functions (-declared in vosk_api.h +called by the binding):\n- %q\n+ %q", declared, called)
	}

	lib := libvoskPath(t)
	out, err := exec.Command("nm", "-D", "--defined-only", lib).Output()
	if err != nil {
		t.Fatalf("nm -D %s: %v", lib, err)
	}
	exported := names(regexp.MustCompile(`(?m) T (vosk_\w+)$`), string(out))
	for _, f := range declared {
		if _, ok := slices.BinarySearch(exported, f); !ok {
			t.Errorf("%s declares %s, which %s does not export", "vosk_api.h", f, lib)
		}
	}
}

func names(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestOpenRejectsBeforeLibvosk checks that Open reports a bad model, or a
// sample rate the model cannot take, without handing the directory to
// libvosk (which would crash or hang on these dummy files).
func TestOpenRejectsBeforeLibvosk(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(t *testing.T) Config
		wantErr error
	}{
		{"no-model", func(*testing.T) Config { return Config{} }, ErrNoModel},
		{"missing-dir", func(t *testing.T) Config { return Config{Model: filepath.Join(t.TempDir(), "absent")} }, ErrNoModel},
		{"incomplete", func(t *testing.T) Config { return Config{Model: fakeModel(t, without(smallModel(), fileAM))} }, ErrModelIncomplete},
		{"bad-mfcc", func(t *testing.T) Config {
			return Config{Model: fakeModel(t, with(smallModel(), fileMFCC, "--sample-frequency=x\n"))}
		}, ErrModelConfig},
		{"rate-below-model", func(t *testing.T) Config { return Config{Model: fakeModel(t, smallModel()), SampleRate: 8000} }, ErrSampleRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Open(tt.cfg(t))
			if !errors.Is(err, tt.wantErr) || e != nil {
				t.Fatalf("Open = %v, %v; want nil, %v", e, err, tt.wantErr)
			}
		})
	}
	t.Run("rate-message", func(t *testing.T) {
		dir := fakeModel(t, smallModel())
		_, err := Open(Config{Model: dir, SampleRate: 8000})
		for _, want := range []string{"8000 Hz", "16000 Hz", dir, fileMFCC, "resample"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("message %v does not contain %q", err, want)
			}
		}
	})
}

func TestKeywordMode(t *testing.T) {
	noUnk := fakeFinder{"free": 1, "cruise": 2}
	tests := []struct {
		name    string
		grammar bool
		f       finder
		mode    spotter.Mode
		phrases int
		want    bool
		wantErr string
	}{
		{"auto-keyword", true, vocab, spotter.ModeAuto, 2, true, ""},
		{"auto-no-phrases-full", true, vocab, spotter.ModeAuto, 0, false, ""},
		{"auto-static-graph-full", false, vocab, spotter.ModeAuto, 2, false, ""},
		{"auto-no-unk-full", true, noUnk, spotter.ModeAuto, 2, false, ""},
		{"full", true, vocab, spotter.ModeFull, 2, false, ""},
		{"keyword", true, vocab, spotter.ModeKeyword, 1, true, ""},
		{"keyword-no-phrases", true, vocab, spotter.ModeKeyword, 0, false, "at least one banned phrase"},
		{"keyword-static-graph", false, vocab, spotter.ModeKeyword, 1, false, "runtime graph"},
		{"keyword-no-unk", true, noUnk, spotter.ModeKeyword, 1, false, "[unk]"},
		{"both", true, vocab, spotter.ModeBoth, 1, false, `"both"`},
		{"unknown", true, vocab, spotter.Mode("fast"), 1, false, `"fast"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Engine{dir: "/models/m", layout: layout{rate: 16000, grammar: tt.grammar}}
			got, err := e.keywordMode(tt.f, tt.mode, tt.phrases)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrMode) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("keywordMode = %v, want ErrMode saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("keywordMode = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestClosedEngine(t *testing.T) {
	e := &Engine{dir: "/models/m", rate: 16000} // as after Close: no model
	if e.Knows("free") {
		t.Error("Knows = true on a closed engine")
	}
	if _, err := e.NewRecognizer(spotter.Vocabulary{}); !errors.Is(err, ErrClosed) {
		t.Errorf("NewRecognizer = %v, want ErrClosed", err)
	}
	for range 2 {
		if err := e.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
	var r Recognizer // as after Close: no recognizer
	if err := r.Write(make([]int16, 160)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write = %v, want ErrClosed", err)
	}
	if _, err := r.Final(nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Final = %v, want ErrClosed", err)
	}
	if got := r.Partial(nil); len(got) != 0 {
		t.Errorf("Partial = %v, want nothing", got)
	}
	r.Reset()
	if err := r.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}
