package models

import (
	"os"
	"path/filepath"
	"testing"
)

// mfccSmallEnUS is conf/mfcc.conf as vosk-model-small-en-us-0.15 ships it.
const mfccSmallEnUS = `--sample-frequency=16000
--use-energy=false
--num-mel-bins=40
--num-ceps=40
--low-freq=20
--high-freq=7600
--allow-downsample=true
`

// smallVoskFiles is the file list of vosk-model-small-en-us-0.15 (a
// lookahead model: HCLr.fst + Gr.fst, no words.txt), with stand-in contents.
var smallVoskFiles = map[string]string{
	"README":                         "small english model\n",
	"am/final.mdl":                   "nnet3 acoustic model stand-in",
	"conf/mfcc.conf":                 mfccSmallEnUS,
	"conf/model.conf":                "--min-active=200\n--max-active=3000\n--beam=10.0\n",
	"graph/disambig_tid.int":         "1\n2\n",
	"graph/Gr.fst":                   "grammar fst stand-in",
	"graph/HCLr.fst":                 "hcl fst stand-in",
	"graph/phones/word_boundary.int": "1 nonword\n2 begin\n",
	"ivector/final.dubm":             "dubm",
	"ivector/final.ie":               "ie",
	"ivector/final.mat":              "mat",
	"ivector/global_cmvn.stats":      "stats",
	"ivector/online_cmvn.conf":       "# cmvn\n",
	"ivector/splice.conf":            "--left-context=3\n--right-context=3\n",
}

// bigVoskFiles is the layout of a big model (vosk-model-en-us-0.22): a full
// HCLG.fst with words.txt, and a rescoring LM.
var bigVoskFiles = map[string]string{
	"am/final.mdl":                   "nnet3 acoustic model stand-in",
	"conf/mfcc.conf":                 mfccSmallEnUS,
	"conf/model.conf":                "--beam=13.0\n",
	"graph/HCLG.fst":                 "hclg stand-in",
	"graph/words.txt":                "<eps> 0\nfree 1\ncruise 2\n",
	"graph/phones/word_boundary.int": "1 nonword\n",
	"rescore/G.carpa":                "carpa",
	"rescore/G.fst":                  "g",
}

// writeTree writes files (slash-separated names) under dir.
func writeTree(t testing.TB, dir string, files map[string]string) {
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

// with returns a copy of files with changes applied: a value of "\x00"
// deletes the name.
func with(files map[string]string, changes map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[k] = v
	}
	for k, v := range changes {
		if v == "\x00" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// treeBytes adds up the lengths of files' contents.
func treeBytes(files map[string]string) int64 {
	var n int64
	for _, v := range files {
		n += int64(len(v))
	}
	return n
}

// debianPS is Debian's pocketsphinx-en-us model directory.
const debianPS = "/usr/share/pocketsphinx/model/en-us"

// needDebianPS skips the test when pocketsphinx-en-us is not installed.
func needDebianPS(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(debianPS, "en-us", "mdef")); err != nil {
		t.Skipf("Debian's pocketsphinx-en-us is not installed (%v); apt-get install pocketsphinx-en-us", err)
	}
}
