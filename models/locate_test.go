package models

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sysRoot builds a system root with Vosk models in its standard paths and,
// when ps is true, Debian's PocketSphinx model linked in at its place.
func sysRoot(t *testing.T, vosk map[string]map[string]string, ps bool) string {
	t.Helper()
	root := t.TempDir()
	for dir, files := range vosk {
		writeTree(t, filepath.Join(root, filepath.FromSlash(dir)), files)
	}
	if ps {
		needDebianPS(t)
		p := filepath.Join(root, "usr/share/pocketsphinx/model")
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(debianPS, filepath.Join(p, "en-us")); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLocate(t *testing.T) {
	brokenSmall := with(smallVoskFiles, map[string]string{"graph/Gr.fst": "\x00"})
	root := sysRoot(t, map[string]map[string]string{
		"usr/share/vosk/models/vosk-model-a-broken":         brokenSmall,
		"usr/share/vosk/models/vosk-model-small-en-us-0.15": smallVoskFiles,
		"var/lib/spitfilter/models/vosk-model-en-us-0.22":   bigVoskFiles,
		"opt/vosk-model-opt":                                smallVoskFiles,
		"home/u/.cache/spitfilter/models/vosk-model-cache":  smallVoskFiles,
		"xdg/spitfilter/models/vosk-model-xdg":              smallVoskFiles,
		"flag/vosk-model-flag":                              smallVoskFiles,
		"etc/spitfilter/models/vosk-model-conf":             smallVoskFiles,
		"env/vosk-model-env-b":                              smallVoskFiles,
		"env/vosk-model-env-a":                              smallVoskFiles,
		"env/not-a-model":                                   {"notes.txt": "x"},
		"envbroken/vosk-model-x":                            brokenSmall,
		"empty/.keep":                                       {},
	}, true)
	p := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	tests := []struct {
		name   string
		engine Engine
		o      Options
		path   string
		source Source
	}{
		{"flag-first", Vosk, Options{Flag: p("flag/vosk-model-flag"), Config: p("etc/spitfilter/models/vosk-model-conf"), EnvDir: p("env"), SysRoot: root},
			p("flag/vosk-model-flag"), SourceFlag},
		{"config-relative-to-its-file", Vosk, Options{Config: "models/vosk-model-conf", ConfigFile: p("etc/spitfilter/spitfilter.yaml"), EnvDir: p("env"), SysRoot: root},
			p("etc/spitfilter/models/vosk-model-conf"), SourceConfig},
		{"env-holding-models", Vosk, Options{EnvDir: p("env"), SysRoot: root}, p("env/vosk-model-env-a"), SourceEnv},
		{"env-is-a-model", Vosk, Options{EnvDir: p("env/vosk-model-env-b"), SysRoot: root}, p("env/vosk-model-env-b"), SourceEnv},
		{"standard-passes-over-broken", Vosk, Options{SysRoot: root}, p("usr/share/vosk/models/vosk-model-small-en-us-0.15"), SourceStandard},
		{"env-without-pocketsphinx-falls-through", PocketSphinx, Options{EnvDir: p("env"), SysRoot: root}, p("usr/share/pocketsphinx/model/en-us"), SourceStandard},
		{"pocketsphinx-flag", PocketSphinx, Options{Flag: debianPS, SysRoot: root}, debianPS, SourceFlag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Locate(tt.engine, tt.o)
			if err != nil {
				t.Fatalf("Locate: %v", err)
			}
			got := struct {
				Path   string
				Source Source
				Engine Engine
			}{f.Path, f.Source, f.Model.Engine}
			want := struct {
				Path   string
				Source Source
				Engine Engine
			}{tt.path, tt.source, tt.engine}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("Locate (-want +got):\n%s", d)
			}
		})
	}

	t.Run("standard-order", func(t *testing.T) {
		// Remove the earlier standard paths one by one: the next takes over.
		root := sysRoot(t, map[string]map[string]string{
			"var/lib/spitfilter/models/vosk-model-var":        smallVoskFiles,
			"xdg/spitfilter/models/vosk-model-xdg":            smallVoskFiles,
			"home/u/.cache/spitfilter/models/vosk-model-home": smallVoskFiles,
			"opt/vosk-model-opt":                              smallVoskFiles,
		}, false)
		p := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
		o := Options{SysRoot: root, Home: p("home/u"), XDGCacheHome: p("xdg")}
		for _, step := range []struct{ want, remove string }{
			{"var/lib/spitfilter/models/vosk-model-var", "var"},
			{"xdg/spitfilter/models/vosk-model-xdg", "xdg"},
			{"home/u/.cache/spitfilter/models/vosk-model-home", "home"},
			{"opt/vosk-model-opt", ""},
		} {
			f, err := Locate(Vosk, o)
			if err != nil || f.Path != p(step.want) {
				t.Fatalf("Locate = %s, %v; want %s", f.Path, err, p(step.want))
			}
			if step.remove != "" {
				os.RemoveAll(p(step.remove))
			}
			if step.remove == "xdg" {
				o.XDGCacheHome = "" // then ~/.cache is the user cache
			}
		}
	})
}

func TestLocateErrors(t *testing.T) {
	brokenSmall := with(smallVoskFiles, map[string]string{"graph/Gr.fst": "\x00"})
	root := sysRoot(t, map[string]map[string]string{
		"usr/share/vosk/models/vosk-model-broken": brokenSmall,
		"envbroken/vosk-model-x":                  brokenSmall,
		"flag/vosk-model-flag":                    brokenSmall,
	}, false)
	p := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	tests := []struct {
		name   string
		engine Engine
		o      Options
		is     error
		parts  []string
	}{
		{"flag-broken-is-not-passed-over", Vosk, Options{Flag: p("flag/vosk-model-flag"), SysRoot: root}, ErrInvalidModel,
			[]string{"from the flag", "lacks graph/Gr.fst"}},
		{"config-missing", Vosk, Options{Config: "nope", ConfigFile: p("etc/spitfilter.yaml"), SysRoot: root}, ErrInvalidModel,
			[]string{"from the config " + p("etc/spitfilter.yaml"), p("etc/nope") + " does not exist"}},
		{"env-broken", Vosk, Options{EnvDir: p("envbroken"), SysRoot: root}, ErrInvalidModel,
			[]string{"SPITFILTER_MODEL_DIR=" + p("envbroken"), "lacks graph/Gr.fst"}},
		{"nothing-found", Vosk, Options{SysRoot: root, Home: p("home")}, ErrNotFound,
			[]string{p("usr/share/vosk/models"), p("var/lib/spitfilter/models"), p("home/.cache/spitfilter/models"), p("opt/vosk-model*"),
				"passed over " + p("usr/share/vosk/models/vosk-model-broken") + ": models: vosk model", "lacks graph/Gr.fst",
				"https://alphacephei.com/vosk/models", "spitcheck models fetch NAME"}},
		{"no-pocketsphinx", PocketSphinx, Options{SysRoot: root}, ErrNotFound,
			[]string{p("usr/share/pocketsphinx/model/en-us"), "apt-get install pocketsphinx-en-us"}},
		{"unknown-engine", "whisper", Options{}, ErrUnknownEngine, []string{`"whisper"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Locate(tt.engine, tt.o)
			if !errors.Is(err, tt.is) {
				t.Fatalf("Locate = %v; want %v", err, tt.is)
			}
			for _, s := range tt.parts {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestList(t *testing.T) {
	root := sysRoot(t, map[string]map[string]string{
		"usr/share/vosk/models/vosk-model-small-en-us-0.15": smallVoskFiles,
		"usr/share/vosk/models/vosk-model-broken":           with(smallVoskFiles, map[string]string{"am/final.mdl": "\x00"}),
		"usr/share/vosk/models/.fetch-leftover":             {"x": "x"},
		"opt/vosk-model-narrow":                             with(smallVoskFiles, map[string]string{"conf/mfcc.conf": "--sample-frequency=8000\n"}),
		"env/vosk-model-env":                                bigVoskFiles,
	}, true)
	p := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	type row struct {
		Engine Engine
		Path   string
		Source Source
		Rate   int
		Err    string
	}
	var got []row
	for _, f := range List(Options{EnvDir: p("env"), SysRoot: root}) {
		r := row{Engine: f.Engine, Path: f.Path, Source: f.Source}
		if f.Model != nil {
			r.Rate = f.Model.SampleRate
		}
		if f.Err != nil {
			r.Err = f.Err.Error()
			if (f.Model == nil) != (f.Err != nil) {
				t.Errorf("%s: Model %v with Err %v", f.Path, f.Model, f.Err)
			}
		}
		got = append(got, r)
	}
	broken := p("usr/share/vosk/models/vosk-model-broken")
	want := []row{
		{Vosk, p("env/vosk-model-env"), SourceEnv, 16000, ""},
		{Vosk, broken, SourceStandard, 0, (&MissingFileError{Engine: Vosk, Dir: broken, File: "am/final.mdl", Problem: "missing"}).Error()},
		{Vosk, p("usr/share/vosk/models/vosk-model-small-en-us-0.15"), SourceStandard, 16000, ""},
		{Vosk, p("opt/vosk-model-narrow"), SourceStandard, 8000, ""},
		{PocketSphinx, p("usr/share/pocketsphinx/model/en-us"), SourceStandard, 16000, ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("List (-want +got):\n%s", d)
	}
}

func TestWritableDir(t *testing.T) {
	root := t.TempDir()
	p := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	o := Options{SysRoot: root, Home: p("home/u")}

	got, err := WritableDir(o)
	if err != nil || got != p("home/u/.cache/spitfilter/models") {
		t.Fatalf("WritableDir with no standard path = %q, %v; want the user cache", got, err)
	}
	if fi, err := os.Stat(got); err != nil || !fi.IsDir() {
		t.Errorf("the user cache was not created: %v", err)
	}

	if err := os.MkdirAll(p("var/lib/spitfilter/models"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := WritableDir(o); err != nil || got != p("var/lib/spitfilter/models") {
		t.Errorf("WritableDir = %q, %v; want /var/lib/spitfilter/models under the root", got, err)
	}
	entries, _ := os.ReadDir(p("var/lib/spitfilter/models"))
	if len(entries) != 0 {
		t.Errorf("the writability probe was left behind: %v", entries)
	}

	if _, err := WritableDir(Options{SysRoot: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "HOME") {
		t.Errorf("WritableDir with no home = %v; want an error naming HOME", err)
	}
}
