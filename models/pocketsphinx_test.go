package models

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// findSize adds up the sizes of the regular files under dir as find(1)
// reports them: a measure independent of treeSize.
func findSize(t *testing.T, dir string) int64 {
	t.Helper()
	out, err := exec.Command("find", dir, "-type", "f", "-printf", "%s\n").Output()
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	var n int64
	for _, f := range strings.Fields(string(out)) {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		n += v
	}
	return n
}

func TestValidatePocketSphinxDebian(t *testing.T) {
	needDebianPS(t)
	got, err := ValidatePocketSphinx(debianPS)
	if err != nil {
		t.Fatalf("ValidatePocketSphinx(%s): %v", debianPS, err)
	}
	want := &Model{
		Engine: PocketSphinx, Name: "en-us", Path: debianPS, SampleRate: 16000,
		Acoustic: debianPS + "/en-us",
		Dict:     debianPS + "/cmudict-en-us.dict",
		LM:       debianPS + "/en-us.lm.bin", // not en-us-phone.lm.bin
		Size:     findSize(t, debianPS),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ValidatePocketSphinx (-want +got):\n%s", d)
	}
	if got.Size < 30<<20 {
		t.Errorf("Size = %d, want the ~36 MB Debian installs", got.Size)
	}
}

// linkDebianPS makes a copy of Debian's model in a temporary directory out
// of symlinks to its files, leaving out the names in skip (relative,
// slash-separated), and returns it.
func linkDebianPS(t *testing.T, skip ...string) string {
	t.Helper()
	needDebianPS(t)
	dst := filepath.Join(t.TempDir(), "en-us")
	err := filepath.WalkDir(debianPS, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(debianPS, p)
		for _, s := range skip {
			if filepath.ToSlash(rel) == s {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return os.Symlink(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestValidatePocketSphinxParts(t *testing.T) {
	tests := []struct {
		name  string
		skip  []string
		extra map[string]string
		file  string // "" when valid
		rate  int
		lm    string
	}{
		{name: "complete", rate: 16000, lm: "en-us.lm.bin"},
		{name: "mixture-weights-for-sendump", skip: []string{"en-us/sendump"},
			extra: map[string]string{"en-us/mixture_weights": "w"}, rate: 16000, lm: "en-us.lm.bin"},
		{name: "arpa-lm", skip: []string{"en-us.lm.bin"}, extra: map[string]string{"en-us.lm": "\\data\\\n"}, rate: 16000, lm: "en-us.lm"},
		{name: "narrowband", skip: []string{"en-us/feat.params"},
			extra: map[string]string{"en-us/feat.params": "-lowerf 130\n-upperf 3500\n-samprate 8000\n"}, rate: 8000, lm: "en-us.lm.bin"},
		{name: "no-mdef", skip: []string{"en-us/mdef"}, file: "en-us/mdef"},
		{name: "no-means", skip: []string{"en-us/means"}, file: "en-us/means"},
		{name: "no-transition-matrices", skip: []string{"en-us/transition_matrices"}, file: "en-us/transition_matrices"},
		{name: "no-mixture-weights", skip: []string{"en-us/sendump"}, file: "en-us/sendump or en-us/mixture_weights"},
		{name: "no-acoustic-model", skip: []string{"en-us"}, file: "an acoustic model directory (with feat.params, mdef, means, variances, transition_matrices, sendump)"},
		{name: "no-dict", skip: []string{"cmudict-en-us.dict"}, file: "a pronunciation dictionary (*.dict or *.dic)"},
		{name: "phone-lm-only", skip: []string{"en-us.lm.bin"}, file: "a word language model (*.lm.bin, *.lm or *.DMP)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := linkDebianPS(t, tt.skip...)
			writeTree(t, dir, tt.extra)
			m, err := ValidatePocketSphinx(dir)
			if tt.file == "" {
				if err != nil {
					t.Fatalf("ValidatePocketSphinx: %v", err)
				}
				if m.SampleRate != tt.rate || m.LM != filepath.Join(dir, tt.lm) || m.Acoustic != filepath.Join(dir, "en-us") {
					t.Errorf("got rate %d, LM %s, acoustic %s; want %d, %s", m.SampleRate, m.LM, m.Acoustic, tt.rate, tt.lm)
				}
				return
			}
			var mf *MissingFileError
			if !errors.As(err, &mf) || !errors.Is(err, ErrInvalidModel) {
				t.Fatalf("ValidatePocketSphinx = %v, %v; want a *MissingFileError", m, err)
			}
			want := &MissingFileError{Engine: PocketSphinx, Dir: dir, File: tt.file, Problem: "missing"}
			if d := cmp.Diff(want, mf); d != "" {
				t.Errorf("error (-want +got):\n%s", d)
			}
			if !strings.Contains(err.Error(), "apt-get install pocketsphinx-en-us") {
				t.Errorf("message %q does not say how to install the model", err)
			}
		})
	}
}

func TestValidatePocketSphinxAcousticDirItself(t *testing.T) {
	// An acoustic model directory with its dictionary and LM beside the
	// model files, as some hand-made models are laid out.
	dir := linkDebianPS(t)
	acoustic := filepath.Join(dir, "en-us")
	for _, f := range []string{"cmudict-en-us.dict", "en-us.lm.bin"} {
		if err := os.Rename(filepath.Join(dir, f), filepath.Join(acoustic, f)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := ValidatePocketSphinx(acoustic)
	if err != nil {
		t.Fatal(err)
	}
	if m.Acoustic != acoustic || m.Dict != filepath.Join(acoustic, "cmudict-en-us.dict") || m.LM != filepath.Join(acoustic, "en-us.lm.bin") {
		t.Errorf("got %+v", m)
	}
}
