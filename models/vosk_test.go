package models

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateVosk(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		rate  int
	}{
		{"small-lookahead", smallVoskFiles, 16000},
		{"big-hclg-rescore", bigVoskFiles, 16000},
		{"narrowband", with(smallVoskFiles, map[string]string{
			"conf/mfcc.conf": "# telephone model\n--sample-frequency=8000 # narrowband\n--use-energy=false\n"}), 8000},
		{"rate-as-float-underscored", with(smallVoskFiles, map[string]string{
			"conf/mfcc.conf": "--sample_frequency=8000.0\n"}), 8000},
		{"rate-defaults", with(smallVoskFiles, map[string]string{"conf/mfcc.conf": "--use-energy=false\n"}), 16000},
		{"v1-layout", map[string]string{
			"final.mdl": "m", "mfcc.conf": "--sample-frequency=8000\n", "HCLG.fst": "g",
			"words.txt": "<eps> 0\n", "word_boundary.int": "1 nonword\n"}, 8000},
		{"no-ivector", with(smallVoskFiles, map[string]string{
			"ivector/final.ie": "\x00", "ivector/final.dubm": "\x00", "ivector/final.mat": "\x00",
			"ivector/global_cmvn.stats": "\x00", "ivector/online_cmvn.conf": "\x00", "ivector/splice.conf": "\x00"}), 16000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "vosk-model-"+tt.name)
			writeTree(t, dir, tt.files)
			got, err := ValidateVosk(dir)
			if err != nil {
				t.Fatalf("ValidateVosk: %v", err)
			}
			want := &Model{Engine: Vosk, Name: "vosk-model-" + tt.name, Path: dir, SampleRate: tt.rate, Size: treeBytes(tt.files)}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ValidateVosk (-want +got):\n%s", d)
			}
		})
	}
}

func TestValidateVoskMissing(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		file    string // the file the error must name
		problem string
	}{
		{"no-acoustic-model", with(smallVoskFiles, map[string]string{"am/final.mdl": "\x00"}), "am/final.mdl", "missing"},
		{"empty-acoustic-model", with(smallVoskFiles, map[string]string{"am/final.mdl": ""}), "am/final.mdl", "empty"},
		{"no-model-conf", with(smallVoskFiles, map[string]string{"conf/model.conf": "\x00"}), "conf/model.conf", "missing"},
		{"no-mfcc-conf", with(smallVoskFiles, map[string]string{"conf/mfcc.conf": "\x00"}), "conf/mfcc.conf", "missing"},
		{"no-graph", with(smallVoskFiles, map[string]string{"graph/HCLr.fst": "\x00", "graph/Gr.fst": "\x00"}),
			"a decoding graph (graph/HCLG.fst, or graph/HCLr.fst and graph/Gr.fst)", "missing"},
		{"hclr-without-gr", with(smallVoskFiles, map[string]string{"graph/Gr.fst": "\x00"}), "graph/Gr.fst", "missing"},
		{"gr-without-disambig", with(smallVoskFiles, map[string]string{"graph/disambig_tid.int": "\x00"}), "graph/disambig_tid.int", "missing"},
		{"hclg-without-words", with(bigVoskFiles, map[string]string{"graph/words.txt": "\x00"}), "graph/words.txt", "missing"},
		{"no-word-boundary", with(smallVoskFiles, map[string]string{"graph/phones/word_boundary.int": "\x00"}), "graph/phones/word_boundary.int", "missing"},
		{"ivector-incomplete", with(smallVoskFiles, map[string]string{"ivector/splice.conf": "\x00"}), "ivector/splice.conf", "missing"},
		{"carpa-without-g", with(bigVoskFiles, map[string]string{"rescore/G.fst": "\x00"}), "rescore/G.fst", "missing"},
		{"rnnlm-incomplete", with(bigVoskFiles, map[string]string{"rnnlm/final.raw": "r"}), "rnnlm/feat_embedding.final.mat", "missing"},
		{"empty-directory", map[string]string{}, "am/final.mdl", "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "m")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			writeTree(t, dir, tt.files)
			m, err := ValidateVosk(dir)
			if m != nil || !errors.Is(err, ErrInvalidModel) {
				t.Fatalf("ValidateVosk = %v, %v; want an error wrapping ErrInvalidModel", m, err)
			}
			var mf *MissingFileError
			if !errors.As(err, &mf) {
				t.Fatalf("error %v is not a *MissingFileError", err)
			}
			want := &MissingFileError{Engine: Vosk, Dir: dir, File: tt.file, Problem: tt.problem}
			if d := cmp.Diff(want, mf); d != "" {
				t.Errorf("error (-want +got):\n%s", d)
			}
			msg := err.Error()
			for _, s := range []string{dir, tt.file, "https://alphacephei.com/vosk/models", "spitcheck models fetch NAME"} {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not name %q", msg, s)
				}
			}
		})
	}
}

func TestValidateVoskBadPath(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	writeTree(t, tmp, map[string]string{"file": "x"})
	tests := []struct {
		name, dir, want string
	}{
		{"missing", filepath.Join(tmp, "nope"), "does not exist"},
		{"a-file", file, "is not a directory"},
		{"empty-path", "", "empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ValidateVosk(tt.dir)
			if !errors.Is(err, ErrInvalidModel) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.dir) {
				t.Errorf("ValidateVosk(%q) = %v; want ErrInvalidModel naming the path and %q", tt.dir, err, tt.want)
			}
		})
	}
}

func TestValidateVoskBadMFCC(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, with(smallVoskFiles, map[string]string{
		"conf/mfcc.conf": "--use-energy=false\n\n--sample-frequency=sixteen\n"}))
	_, err := ValidateVosk(dir)
	if !errors.Is(err, ErrBadConfig) || !errors.Is(err, ErrInvalidModel) {
		t.Fatalf("ValidateVosk = %v; want ErrBadConfig", err)
	}
	want := filepath.Join(dir, "conf", "mfcc.conf") + `: line 3: --sample-frequency: "sixteen" is not a number`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func TestValidateEngine(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, smallVoskFiles)
	if m, err := Validate(Vosk, dir); err != nil || m.Engine != Vosk {
		t.Errorf("Validate(vosk) = %v, %v", m, err)
	}
	if _, err := Validate(PocketSphinx, dir); !errors.Is(err, ErrInvalidModel) {
		t.Errorf("Validate(pocketsphinx) of a Vosk model = %v; want ErrInvalidModel", err)
	}
	if _, err := Validate("kaldi", dir); !errors.Is(err, ErrUnknownEngine) || !strings.Contains(err.Error(), `"kaldi"`) {
		t.Errorf("Validate(kaldi) = %v; want ErrUnknownEngine naming it", err)
	}
	for _, s := range []string{"vosk", "pocketsphinx"} {
		if e, err := ParseEngine(s); err != nil || string(e) != s {
			t.Errorf("ParseEngine(%q) = %q, %v", s, e, err)
		}
	}
	if _, err := ParseEngine("auto"); !errors.Is(err, ErrUnknownEngine) {
		t.Errorf("ParseEngine(auto) = %v; want ErrUnknownEngine", err)
	}
}
