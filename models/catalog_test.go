package models

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// publishedList is two entries as model-list.json writes them.
const publishedList = `[
 {"lang": "en-us", "lang_text": "US English", "md5": "0d6ed5e5d5bd2bd9e4e3a8d22d4b6d8d",
  "name": "vosk-model-small-en-us-0.15", "obsolete": "false", "size": 41205931,
  "size_text": "39.3MiB", "type": "small",
  "url": "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip", "version": "0.15"},
 {"lang": "en-us", "lang_text": "US English", "md5": "0123456789abcdef0123456789abcdef",
  "name": "vosk-model-small-en-us-0.4", "obsolete": "true", "size": 33000000,
  "size_text": "31.5MiB", "type": "small",
  "url": "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.4.zip", "version": "0.4"}
]`

func TestParseCatalog(t *testing.T) {
	got, err := ParseCatalog([]byte(publishedList))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Name: "vosk-model-small-en-us-0.15", Lang: "en-us", LangText: "US English", Type: "small", Version: "0.15",
			URL: "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
			MD5: "0d6ed5e5d5bd2bd9e4e3a8d22d4b6d8d", Size: 41205931, SizeText: "39.3MiB"},
		{Name: "vosk-model-small-en-us-0.4", Lang: "en-us", LangText: "US English", Type: "small", Version: "0.4",
			URL: "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.4.zip",
			MD5: "0123456789abcdef0123456789abcdef", Size: 33000000, SizeText: "31.5MiB", Obsolete: true},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseCatalog (-want +got):\n%s", d)
	}
	for _, e := range got {
		if err := e.Check(); err != nil {
			t.Errorf("Check(%s): %v", e.Name, err)
		}
	}
}

func TestParseCatalogFlexibleFields(t *testing.T) {
	got, err := ParseCatalog([]byte(`[{"name":"a","obsolete":true,"size":"12"},{"name":"b","obsolete":null},{"name":"c"}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{Name: "a", Obsolete: true, Size: 12}, {Name: "b"}, {Name: "c"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseCatalog (-want +got):\n%s", d)
	}
}

func TestParseCatalogErrors(t *testing.T) {
	tests := []struct {
		name, list, want string
	}{
		{"not-json", "<html>", "not a JSON array of models"},
		{"object", `{"name":"a"}`, "not a JSON array of models"},
		{"entry-not-object", `[{"name":"a"}, 3]`, "entry 1:"},
		{"bad-obsolete", `[{"name":"a","obsolete":"maybe"}]`, `entry 0: obsolete: "maybe" is not true or false`},
		{"negative-size", `[{"name":"a","size":-1}]`, "entry 0: size: -1 is not a byte count"},
		{"name-not-string", `[{"name":5}]`, "entry 0:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCatalog([]byte(tt.list))
			if !errors.Is(err, ErrBadCatalog) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseCatalog = %v; want ErrBadCatalog containing %q", err, tt.want)
			}
		})
	}
}

func TestEntryCheck(t *testing.T) {
	good := Entry{Name: "m", URL: "https://x/m.zip", MD5: strings.Repeat("a", 32), Size: 1}
	tests := []struct {
		name string
		e    Entry
		want string
	}{
		{"dot-dot", Entry{Name: "..", URL: good.URL, MD5: good.MD5, Size: 1}, "starts with a dot"},
		{"slash", Entry{Name: "a/b", URL: good.URL, MD5: good.MD5, Size: 1}, "path separator"},
		{"no-url", Entry{Name: "m", MD5: good.MD5, Size: 1}, "has no url"},
		{"short-md5", Entry{Name: "m", URL: good.URL, MD5: "abc", Size: 1}, `md5 "abc" is not 32 hex digits`},
		{"no-size", Entry{Name: "m", URL: good.URL, MD5: good.MD5}, "size 0 is not positive"},
	}
	if err := good.Check(); err != nil {
		t.Fatalf("Check(good) = %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.e.Check(); !errors.Is(err, ErrBadCatalog) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %v; want ErrBadCatalog containing %q", err, tt.want)
			}
		})
	}
}

func TestCloseNames(t *testing.T) {
	entries := []Entry{{Name: "vosk-model-small-en-us-0.15"}, {Name: "vosk-model-en-us-0.22"},
		{Name: "vosk-model-small-ru-0.22"}, {Name: "vosk-model-small-cn-0.22"}, {Name: "vosk-model-fr-0.22"}}
	tests := []struct {
		name string
		want []string
	}{
		// A prefix of a name comes first, then names by edit distance.
		{"vosk-model-small-en-us", []string{"vosk-model-small-en-us-0.15", "vosk-model-small-cn-0.22", "vosk-model-small-ru-0.22"}},
		{"vosk-model-small-en-us-0.51", []string{"vosk-model-small-en-us-0.15", "vosk-model-small-cn-0.22", "vosk-model-small-ru-0.22", "vosk-model-en-us-0.22"}},
		{"vosk-model-en-us-0.21", []string{"vosk-model-en-us-0.22", "vosk-model-fr-0.22"}},
		{"whisper-large", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, closeNames(tt.name, entries, 5)); d != "" {
				t.Errorf("closeNames (-want +got):\n%s", d)
			}
		})
	}
}
