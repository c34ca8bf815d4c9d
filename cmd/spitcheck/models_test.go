package main

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// voskFiles is the file list of vosk-model-small-en-us-0.15 with stand-in
// contents, at 8 kHz to tell it from the default.
var voskFiles = map[string]string{
	"am/final.mdl":                   "acoustic model",
	"conf/mfcc.conf":                 "--sample-frequency=8000\n--use-energy=false\n",
	"conf/model.conf":                "--beam=10.0\n",
	"graph/disambig_tid.int":         "1\n",
	"graph/Gr.fst":                   "g",
	"graph/HCLr.fst":                 "hcl",
	"graph/phones/word_boundary.int": "1 nonword\n",
	"ivector/final.dubm":             "d", "ivector/final.ie": "i", "ivector/final.mat": "m",
	"ivector/global_cmvn.stats": "s", "ivector/online_cmvn.conf": "c", "ivector/splice.conf": "s",
}

func writeModel(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runModels runs `spitcheck models args...` with env as the environment.
func runModels(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := modelsCommand(args, &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

func TestModelsDispatch(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"models", "fetch", "--help"}, nil, &stdout, &stderr)
	if code != exitClean || !strings.Contains(stderr.String(), "usage: spitcheck models [--json]") {
		t.Errorf("spitcheck models fetch --help: exit %d, stderr %q", code, stderr.String())
	}
}

func TestModelsList(t *testing.T) {
	envDir := t.TempDir()
	good := filepath.Join(envDir, "vosk-model-small-en-us-0.15")
	broken := filepath.Join(envDir, "vosk-model-broken")
	writeModel(t, good, voskFiles)
	brokenFiles := map[string]string{}
	for k, v := range voskFiles {
		if k != "graph/HCLr.fst" {
			brokenFiles[k] = v
		}
	}
	writeModel(t, broken, brokenFiles)
	env := map[string]string{"SPITFILTER_MODEL_DIR": envDir, "HOME": t.TempDir()}

	code, out, errOut := runModels(t, env)
	if code != exitClean {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"ENGINE", "STATUS",
		"vosk-model-broken", "invalid: vosk model " + broken + " lacks graph/HCLr.fst",
		"vosk-model-small-en-us-0.15  8000",
		"vosk loads " + good + " (from the SPITFILTER_MODEL_DIR)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = runModels(t, env, "--json")
	if code != exitClean {
		t.Fatalf("--json: exit %d, stderr %q", code, errOut)
	}
	var rows []modelJSON
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	byName := map[string]modelJSON{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	if r := byName["vosk-model-small-en-us-0.15"]; r.Status != "ok" || r.SampleRate != 8000 || r.Engine != "vosk" || r.Source != "SPITFILTER_MODEL_DIR" {
		t.Errorf("good model row: %+v", r)
	}
	if r := byName["vosk-model-broken"]; r.Status != "invalid" || !strings.Contains(r.Error, "graph/HCLr.fst") {
		t.Errorf("broken model row: %+v", r)
	}

	if code, _, errOut := runModels(t, env, "vosk-model-x"); code != exitError || !strings.Contains(errOut, "spitcheck models fetch vosk-model-x") {
		t.Errorf("stray argument: exit %d, stderr %q", code, errOut)
	}
}

// modelZip is a published-style archive of files under one top directory.
func modelZip(t *testing.T, top string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(top + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestModelsFetch(t *testing.T) {
	const name = "vosk-model-small-en-us-0.15"
	archive := modelZip(t, name, voskFiles)
	sum := md5.Sum(archive)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/models/model-list.json":
			fmt.Fprintf(w, `[{"name":%q,"lang":"en-us","md5":%q,"size":%d,"obsolete":"false","type":"small","url":"%s.zip"}]`,
				name, hex.EncodeToString(sum[:]), len(archive), name)
		case "/models/" + name + ".zip":
			w.Write(archive)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	base := srv.URL + "/models/"

	t.Run("into-dir", func(t *testing.T) {
		dir := t.TempDir()
		code, out, errOut := runModels(t, nil, "fetch", "--dir", dir, "--base-url", base, name)
		if code != exitClean {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		want := fmt.Sprintf("%s: 8000 Hz, 0 MiB, in %s\n", name, filepath.Join(dir, name))
		if out != want {
			t.Errorf("stdout %q, want %q", out, want)
		}
		if b, err := os.ReadFile(filepath.Join(dir, name, "conf", "mfcc.conf")); err != nil || string(b) != voskFiles["conf/mfcc.conf"] {
			t.Errorf("conf/mfcc.conf: %q, %v", b, err)
		}
		// The model is listed once SPITFILTER_MODEL_DIR points there.
		_, out, _ = runModels(t, map[string]string{"SPITFILTER_MODEL_DIR": dir})
		if !strings.Contains(out, "vosk loads "+filepath.Join(dir, name)) {
			t.Errorf("list after fetch:\n%s", out)
		}
	})

	t.Run("default-dir-is-the-user-cache", func(t *testing.T) {
		for _, d := range []string{"/usr/share/vosk/models", "/var/lib/spitfilter/models"} {
			if _, err := os.Stat(d); err == nil {
				t.Skipf("%s exists; the fetch would go there", d)
			}
		}
		cache := t.TempDir()
		code, _, errOut := runModels(t, map[string]string{"XDG_CACHE_HOME": cache}, "fetch", "--base-url", base, name)
		if code != exitClean {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		if _, err := os.Stat(filepath.Join(cache, "spitfilter", "models", name, "am", "final.mdl")); err != nil {
			t.Errorf("model not in the user cache: %v", err)
		}
	})

	errorCases := []struct {
		name string
		args []string
		want string
	}{
		{"bad-sha256", []string{"--sha256", strings.Repeat("0", 64), name}, "checksum mismatch"},
		{"malformed-sha256", []string{"--sha256", "xyz", name}, `sha256 "xyz" is not 64 hex digits`},
		{"unknown-name", []string{"vosk-model-small-en-us-0.51"}, "did you mean " + name + "?"},
		{"no-name", nil, "want one model NAME, have 0 arguments"},
		{"two-names", []string{"a", "b"}, "want one model NAME, have 2 arguments"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"fetch", "--dir", dir, "--base-url", base}, tt.args...)
			code, out, errOut := runModels(t, nil, args...)
			if code != exitError || out != "" || !strings.Contains(errOut, tt.want) || !strings.HasPrefix(errOut, "spitcheck models fetch: ") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, out, errOut, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left in --dir: %v", entries)
			}
		})
	}
}
