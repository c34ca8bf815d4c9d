package models

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// zipEntry is one entry of a test archive.
type zipEntry struct {
	name, data string
	mode       fs.FileMode // 0 for a regular file
}

// buildZip makes a zip archive of entries.
func buildZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		} else if !strings.HasSuffix(e.name, "/") {
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// modelZip is a published-style archive of files under one top directory.
func modelZip(t testing.TB, top string, files map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	entries := []zipEntry{{name: top + "/", mode: fs.ModeDir | 0o755}}
	for _, n := range names {
		entries = append(entries, zipEntry{name: top + "/" + n, data: files[n]})
	}
	return buildZip(t, entries)
}

// modelServer serves a model list and archives, like alphacephei.com does.
type modelServer struct {
	*httptest.Server
	entries  []map[string]any
	archives map[string][]byte
	// body, when set for a path, replaces what is served there.
	body map[string]func(w http.ResponseWriter)
}

func newModelServer(t *testing.T) *modelServer {
	s := &modelServer{archives: map[string][]byte{}, body: map[string]func(http.ResponseWriter){}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := s.body[r.URL.Path]; ok {
			f(w)
			return
		}
		if r.URL.Path == "/vosk/models/model-list.json" {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(s.entries)
			return
		}
		b, ok := s.archives[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

// add publishes archive as model name, with its real size and MD5 unless
// the entry's fields are overridden by fields.
func (s *modelServer) add(name string, archive []byte, fields map[string]any) {
	sum := md5.Sum(archive)
	e := map[string]any{
		"lang": "en-us", "lang_text": "US English", "md5": hex.EncodeToString(sum[:]),
		"name": name, "obsolete": "false", "size": len(archive),
		"size_text": fmt.Sprintf("%dB", len(archive)), "type": "small", "version": "0.15",
		"url": s.URL + "/vosk/models/" + name + ".zip",
	}
	for k, v := range fields {
		e[k] = v
	}
	s.entries = append(s.entries, e)
	s.archives["/vosk/models/"+name+".zip"] = archive
}

func (s *modelServer) fetcher() *Fetcher {
	return &Fetcher{Client: s.Client(), BaseURL: s.URL + "/vosk/models"}
}

// dirNames lists dir's entries, hidden ones included.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFetch(t *testing.T) {
	const name = "vosk-model-small-en-us-0.15"
	srv := newModelServer(t)
	archive := modelZip(t, name, smallVoskFiles)
	srv.add(name, archive, nil)
	srv.add("vosk-model-en-us-0.22", modelZip(t, "vosk-model-en-us-0.22", bigVoskFiles), nil)

	dir := filepath.Join(t.TempDir(), "models")
	f := srv.fetcher()
	var calls int
	var last [2]int64
	f.Progress = func(done, total int64) {
		calls++
		if done < last[0] {
			t.Errorf("progress went back from %d to %d", last[0], done)
		}
		last = [2]int64{done, total}
	}
	sum := sha256.Sum256(archive)
	m, err := f.Fetch(context.Background(), name, dir, hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	want := &Model{Engine: Vosk, Name: name, Path: filepath.Join(dir, name), SampleRate: 16000, Size: treeBytes(smallVoskFiles)}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("Fetch (-want +got):\n%s", d)
	}
	for rel, data := range smallVoskFiles {
		b, err := os.ReadFile(filepath.Join(dir, name, filepath.FromSlash(rel)))
		if err != nil || string(b) != data {
			t.Errorf("%s: %q, %v; want %q", rel, b, err, data)
		}
	}
	if d := cmp.Diff([]string{name}, dirNames(t, dir)); d != "" {
		t.Errorf("left in the target directory (-want +got):\n%s", d)
	}
	if calls == 0 || last != [2]int64{int64(len(archive)), int64(len(archive))} {
		t.Errorf("progress: %d calls, last %v; want at least one, ending at %d of %d", calls, last, len(archive), len(archive))
	}

	// The model is then found where the fetch put it.
	found, err := Locate(Vosk, Options{EnvDir: dir})
	if err != nil || found.Path != m.Path {
		t.Errorf("Locate after Fetch = %v, %v", found.Path, err)
	}

	// Fetching it again does not overwrite it.
	if _, err := f.Fetch(context.Background(), name, dir, ""); !errors.Is(err, ErrExists) {
		t.Errorf("second Fetch = %v; want ErrExists", err)
	}
}

func TestFetchFailures(t *testing.T) {
	const name = "vosk-model-small-en-us-0.15"
	good := modelZip(t, name, smallVoskFiles)
	tests := []struct {
		name  string
		setup func(s *modelServer)
		fetch func(f *Fetcher)
		model string // the name fetched; name when ""
		sha   string
		is    error
		parts []string
	}{
		{name: "bad-md5", setup: func(s *modelServer) {
			s.add(name, good, map[string]any{"md5": strings.Repeat("0", 32)})
		}, is: ErrChecksum, parts: []string{"MD5 is ", "want " + strings.Repeat("0", 32), name + ".zip"}},
		{name: "bad-pinned-sha256", setup: func(s *modelServer) { s.add(name, good, nil) },
			sha: strings.Repeat("ab", 32), is: ErrChecksum, parts: []string{"SHA-256 is ", "want " + strings.Repeat("ab", 32)}},
		{name: "unknown-name", setup: func(s *modelServer) {
			s.add(name, good, nil)
			s.add("vosk-model-small-en-in-0.4", good, nil)
			s.add("vosk-model-small-de-0.15", good, nil)
			s.add("vosk-model-ru-0.42", good, nil)
		}, model: "vosk-model-small-en-us-0.16", is: ErrUnknownModel,
			parts: []string{`"vosk-model-small-en-us-0.16" is not in the model list`, "did you mean vosk-model-small-en-us-0.15, vosk-model-small-en-in-0.4, vosk-model-small-de-0.15?"}},
		{name: "truncated-download", setup: func(s *modelServer) {
			s.add(name, good, nil)
			s.archives["/vosk/models/"+name+".zip"] = good[:len(good)-100]
		}, is: ErrDownload, parts: []string{fmt.Sprintf("truncated: got %d of %d bytes", len(good)-100, len(good))}},
		{name: "connection-cut", setup: func(s *modelServer) {
			s.add(name, good, nil)
			s.body["/vosk/models/"+name+".zip"] = func(w http.ResponseWriter) {
				// Promise the whole archive, send half, hang up.
				w.Header().Set("Content-Length", fmt.Sprint(len(good)))
				w.Write(good[:len(good)/2])
				w.(http.Flusher).Flush()
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			}
		}, is: ErrDownload, parts: []string{fmt.Sprintf("after %d of %d bytes", len(good)/2, len(good))}},
		{name: "longer-than-listed", setup: func(s *modelServer) {
			s.add(name, good, map[string]any{"size": len(good) - 1})
		}, is: ErrDownload, parts: []string{fmt.Sprintf("longer than the %d bytes", len(good)-1)}},
		{name: "over-the-bound", setup: func(s *modelServer) { s.add(name, good, nil) },
			fetch: func(f *Fetcher) { f.MaxArchive = 100 }, is: ErrDownload, parts: []string{"more than the bound of 100"}},
		{name: "not-found", setup: func(s *modelServer) {
			s.add(name, good, nil)
			delete(s.archives, "/vosk/models/"+name+".zip")
		}, is: ErrDownload, parts: []string{"404 Not Found", name + ".zip"}},
		{name: "list-not-json", setup: func(s *modelServer) {
			s.body["/vosk/models/model-list.json"] = func(w http.ResponseWriter) { w.Write([]byte("<html>moved</html>")) }
		}, is: ErrBadCatalog, parts: []string{"model-list.json", "not a JSON array"}},
		{name: "zip-slip", setup: func(s *modelServer) {
			s.add(name, buildZip(t, []zipEntry{{name: name + "/am/final.mdl", data: "m"}, {name: name + "/../../escaped", data: "x"}}), nil)
		}, is: ErrUnsafeArchive, parts: []string{`entry "vosk-model-small-en-us-0.15/../../escaped" leaves the archive's directory`}},
		{name: "absolute-entry", setup: func(s *modelServer) {
			s.add(name, buildZip(t, []zipEntry{{name: "/tmp/escaped", data: "x"}}), nil)
		}, is: ErrUnsafeArchive, parts: []string{`entry "/tmp/escaped" has an absolute name`}},
		{name: "symlink-out", setup: func(s *modelServer) {
			s.add(name, buildZip(t, []zipEntry{{name: name + "/am/final.mdl", data: "/etc/passwd", mode: fs.ModeSymlink | 0o777}}), nil)
		}, is: ErrUnsafeArchive, parts: []string{`symlink "vosk-model-small-en-us-0.15/am/final.mdl" points to "/etc/passwd"`}},
		{name: "symlink-up", setup: func(s *modelServer) {
			s.add(name, buildZip(t, []zipEntry{{name: name + "/conf", data: "../../..", mode: fs.ModeSymlink | 0o777}}), nil)
		}, is: ErrUnsafeArchive, parts: []string{`points to "../../..", outside the model`}},
		{name: "write-through-symlink", setup: func(s *modelServer) {
			s.add(name, buildZip(t, []zipEntry{
				{name: name + "/a", data: ".", mode: fs.ModeSymlink | 0o777},
				{name: name + "/a/b", data: "../../escaped", mode: fs.ModeSymlink | 0o777},
			}), nil)
		}, is: ErrUnsafeArchive, parts: []string{`lies under the symlink`}},
		{name: "unpacked-over-the-bound", setup: func(s *modelServer) { s.add(name, good, nil) },
			fetch: func(f *Fetcher) { f.MaxUnpacked = 100 }, is: ErrUnsafeArchive, parts: []string{"bound on the model's size"}},
		{name: "archive-missing-files", setup: func(s *modelServer) {
			s.add(name, modelZip(t, name, with(smallVoskFiles, map[string]string{"graph/HCLr.fst": "\x00"})), nil)
		}, is: ErrInvalidModel, parts: []string{"does not hold a usable model", "lacks graph/HCLr.fst"}},
		{name: "bad-name", setup: func(s *modelServer) {}, model: "../etc", is: nil, parts: []string{`model name "../etc" starts with a dot`}},
		{name: "bad-list-entry", setup: func(s *modelServer) {
			s.add(name, good, map[string]any{"md5": "xyz"})
		}, is: ErrBadCatalog, parts: []string{`entry "vosk-model-small-en-us-0.15": md5 "xyz" is not 32 hex digits`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newModelServer(t)
			tt.setup(srv)
			f := srv.fetcher()
			if tt.fetch != nil {
				tt.fetch(f)
			}
			model := tt.model
			if model == "" {
				model = name
			}
			parent := t.TempDir()
			dir := filepath.Join(parent, "models")
			m, err := f.Fetch(context.Background(), model, dir, tt.sha)
			if err == nil {
				t.Fatalf("Fetch = %+v; want an error", m)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Fetch error %v; want %v", err, tt.is)
			}
			for _, s := range tt.parts {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			// Nothing is left behind, in the target or beside it.
			if names, _ := os.ReadDir(dir); len(names) != 0 {
				t.Errorf("left in %s: %v", dir, dirNames(t, dir))
			}
			if d := cmp.Diff([]string{"models"}, dirNames(t, parent)); d != "" && len(dirNames(t, parent)) != 0 {
				t.Errorf("left beside the target (-want +got):\n%s", d)
			}
		})
	}
}

func TestFetchUnknownNameError(t *testing.T) {
	srv := newModelServer(t)
	srv.add("vosk-model-small-en-us-0.15", []byte("zip"), nil)
	_, err := srv.fetcher().Fetch(context.Background(), "vosk-model-smal-en-us-0.15", t.TempDir(), "")
	var ue *UnknownModelError
	if !errors.As(err, &ue) {
		t.Fatalf("Fetch = %v; want an *UnknownModelError", err)
	}
	want := &UnknownModelError{Name: "vosk-model-smal-en-us-0.15", Close: []string{"vosk-model-small-en-us-0.15"},
		ListURL: srv.URL + "/vosk/models/model-list.json"}
	if d := cmp.Diff(want, ue); d != "" {
		t.Errorf("error (-want +got):\n%s", d)
	}
}

func TestFetchCanceled(t *testing.T) {
	const name = "vosk-model-big"
	// 4 MB that does not compress: many reads, so the cancel lands mid-body.
	noise := make([]byte, 4<<20)
	sum := sha256.Sum256([]byte("seed"))
	for i := 0; i+32 <= len(noise); i += 32 {
		sum = sha256.Sum256(sum[:])
		copy(noise[i:], sum[:])
	}
	files := with(smallVoskFiles, map[string]string{"am/final.mdl": string(noise)})
	srv := newModelServer(t)
	srv.add(name, modelZip(t, name, files), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := srv.fetcher()
	var calls int
	f.Progress = func(done, total int64) {
		calls++
		if calls == 1 {
			cancel()
		}
	}
	dir := filepath.Join(t.TempDir(), "models")
	if _, err := f.Fetch(ctx, name, dir, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch canceled mid-body = %v; want context.Canceled", err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("left in %s: %v", dir, names)
	}
	if _, err := f.Fetch(ctx, name, dir, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a canceled context = %v; want context.Canceled", err)
	}
}

func TestUnzipLocalSymlink(t *testing.T) {
	// A symlink inside the tree is kept, made after the files.
	src := filepath.Join(t.TempDir(), "m.zip")
	os.WriteFile(src, buildZip(t, []zipEntry{
		{name: "m/link", data: "graph/words.txt", mode: fs.ModeSymlink | 0o777},
		{name: "m/graph/words.txt", data: "<eps> 0\n"},
	}), 0o644)
	dst := filepath.Join(t.TempDir(), "out")
	if err := Unzip(src, dst, 1<<20); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dst, "link"))
	if err != nil || string(b) != "<eps> 0\n" {
		t.Errorf("through the link: %q, %v", b, err)
	}
	if d := cmp.Diff([]string{"graph", "link"}, dirNames(t, dst)); d != "" {
		t.Errorf("unpacked (-want +got):\n%s", d)
	}
}

func TestUnzipNoCommonTop(t *testing.T) {
	src := filepath.Join(t.TempDir(), "m.zip")
	os.WriteFile(src, buildZip(t, []zipEntry{{name: "am/final.mdl", data: "m"}, {name: "conf/mfcc.conf", data: "c"}}), 0o644)
	dst := filepath.Join(t.TempDir(), "out")
	if err := Unzip(src, dst, 1<<20); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"am", "conf"}, dirNames(t, dst)); d != "" {
		t.Errorf("unpacked (-want +got):\n%s", d)
	}
}
