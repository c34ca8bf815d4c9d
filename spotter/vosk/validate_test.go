package vosk

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeModel makes a directory with the named files (slash-separated paths,
// relative to it) and returns its path. The files hold dummy bytes: such a
// directory must never reach libvosk.
func fakeModel(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "vosk-model-fake")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// smallModel is the file set of vosk-model-small-en-us-0.15, less the
// optional ones (ivector/, conf/model.conf, graph/phones/...).
func smallModel() map[string]string {
	return map[string]string{
		fileAM:       "am",
		fileMFCC:     "--use-energy=false\n--sample-frequency=16000\n",
		fileHCLr:     "hclr",
		fileGr:       "gr",
		fileWordsTxt: "<eps> 0\n",
	}
}

func without(m map[string]string, names ...string) map[string]string {
	m = maps(m)
	for _, n := range names {
		delete(m, n)
	}
	return m
}

func with(m map[string]string, name, content string) map[string]string {
	m = maps(m)
	m[name] = content
	return m
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestValidateMissingFiles(t *testing.T) {
	tests := []struct {
		name        string
		files       map[string]string
		wantMissing []string
	}{
		{"no-acoustic-model", without(smallModel(), fileAM), []string{fileAM}},
		{"no-mfcc-conf", without(smallModel(), fileMFCC), []string{fileMFCC}},
		{"no-graph", without(smallModel(), fileHCLr, fileGr), []string{"graph/HCLG.fst (or graph/HCLr.fst with graph/Gr.fst)"}},
		{"no-Gr", without(smallModel(), fileGr), []string{"graph/Gr.fst (beside graph/HCLr.fst)"}},
		{"no-HCLr", without(smallModel(), fileHCLr), []string{"graph/HCLr.fst (beside graph/Gr.fst)"}},
		{"empty-dir", nil, []string{fileAM, fileMFCC, "graph/HCLG.fst (or graph/HCLr.fst with graph/Gr.fst)"}},
		{"am-is-a-dir", with(without(smallModel(), fileAM), "am/final.mdl/x", ""), []string{fileAM}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeModel(t, tt.files)
			err := Validate(dir)
			if !errors.Is(err, ErrModelIncomplete) {
				t.Fatalf("Validate = %v, want ErrModelIncomplete", err)
			}
			var me *ModelError
			if !errors.As(err, &me) {
				t.Fatalf("Validate error %T is not a *ModelError", err)
			}
			if me.Dir != dir || !slices.Equal(me.Missing, tt.wantMissing) {
				t.Errorf("ModelError{Dir, Missing} (-want +got):\n- %q %q\n+ %q %q", dir, tt.wantMissing, me.Dir, me.Missing)
			}
			msg := err.Error()
			for _, want := range append([]string{dir, "https://alphacephei.com/vosk/models", "spitcheck models fetch"}, tt.wantMissing...) {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not name %q", msg, want)
				}
			}
		})
	}
}

func TestValidateNoDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "model.zip")
	if err := os.WriteFile(file, []byte("PK"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, wantText string
	}{
		{"unset", "", "is not set"},
		{"does-not-exist", filepath.Join(t.TempDir(), "vosk-model-small-en-us-0.15"), "does not exist"},
		{"is-a-file", file, "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.dir)
			if !errors.Is(err, ErrNoModel) {
				t.Fatalf("Validate(%q) = %v, want ErrNoModel", tt.dir, err)
			}
			msg := err.Error()
			for _, want := range []string{tt.wantText, tt.dir, "spitcheck models fetch NAME", "https://alphacephei.com/vosk/models"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
		})
	}
	t.Run("does-not-exist-unwraps-to-fs", func(t *testing.T) {
		if err := Validate(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Validate = %v, want it to wrap os.ErrNotExist", err)
		}
	})
}

func TestInspectLayout(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  layout
	}{
		{"small-runtime-graph", smallModel(), layout{rate: 16000, grammar: true}},
		{"big-static-graph", with(without(smallModel(), fileHCLr, fileGr), fileHCLG, "hclg"), layout{rate: 16000}},
		{"static-graph-wins-over-runtime", with(smallModel(), fileHCLG, "hclg"), layout{rate: 16000}},
		{"runtime-graph-without-words", without(smallModel(), fileWordsTxt), layout{rate: 16000}},
		{"8k-model", with(smallModel(), fileMFCC, "--sample-frequency=8000\n"), layout{rate: 8000, grammar: true}},
		{"rate-unset-defaults", with(smallModel(), fileMFCC, "--use-energy=false\n"), layout{rate: 16000, grammar: true}},
		{"comments-and-spaces", with(smallModel(), fileMFCC, "# telephone model\n  --sample-frequency = 8000  # narrowband\n#--sample-frequency=44100\n"), layout{rate: 8000, grammar: true}},
		{"float-rate", with(smallModel(), fileMFCC, "--sample-frequency=16000.0\n"), layout{rate: 16000, grammar: true}},
		{"last-one-wins", with(smallModel(), fileMFCC, "--sample-frequency=8000\n--sample-frequency=16000\n"), layout{rate: 16000, grammar: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inspect(fakeModel(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("inspect (-want +got):\n- %+v\n+ %+v", tt.want, got)
			}
		})
	}
}

func TestValidateBadSampleFrequency(t *testing.T) {
	tests := []struct {
		name, conf, wantText string
	}{
		{"word", "--use-energy=false\n--sample-frequency=sixteen\n", `line 2: --sample-frequency "sixteen"`},
		{"zero", "--sample-frequency=0\n", `line 1: --sample-frequency "0"`},
		{"negative", "--sample-frequency=-8000\n", `line 1: --sample-frequency "-8000"`},
		{"fraction", "\n\n--sample-frequency=8000.5\n", `line 3: --sample-frequency "8000.5"`},
		{"empty", "--sample-frequency=\n", `line 1: --sample-frequency ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeModel(t, with(smallModel(), fileMFCC, tt.conf))
			err := Validate(dir)
			if !errors.Is(err, ErrModelConfig) {
				t.Fatalf("Validate = %v, want ErrModelConfig", err)
			}
			for _, want := range []string{dir, fileMFCC, tt.wantText} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not contain %q", err, want)
				}
			}
		})
	}
}
