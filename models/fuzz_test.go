package models

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseMFCCConf parses arbitrary bytes as a Vosk model's conf/mfcc.conf.
// It must never panic; a rate it returns must be a whole number in the
// accepted range; an error must name a line or the overlong line.
func FuzzParseMFCCConf(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzParseMFCCConf.
	f.Fuzz(func(t *testing.T, b []byte) {
		rate, err := parseMFCCConf(b)
		if err != nil {
			if rate != 0 || !(strings.HasPrefix(err.Error(), "line ")) {
				t.Fatalf("parseMFCCConf = %d, %q", rate, err)
			}
			return
		}
		if rate < minSampleRate || rate > maxSampleRate {
			t.Fatalf("parseMFCCConf = %d, outside %d..%d", rate, minSampleRate, maxSampleRate)
		}
	})
}

// FuzzParseFeatParams parses arbitrary bytes as a PocketSphinx feat.params,
// with the same properties as FuzzParseMFCCConf.
func FuzzParseFeatParams(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzParseFeatParams.
	f.Fuzz(func(t *testing.T, b []byte) {
		rate, err := parseFeatParams(b)
		if err != nil {
			if rate != 0 || !(strings.HasPrefix(err.Error(), "line ")) {
				t.Fatalf("parseFeatParams = %d, %q", rate, err)
			}
			return
		}
		if rate < minSampleRate || rate > maxSampleRate {
			t.Fatalf("parseFeatParams = %d, outside %d..%d", rate, minSampleRate, maxSampleRate)
		}
	})
}

// FuzzParseCatalog parses arbitrary bytes as model-list.json. It must never
// panic; errors wrap ErrBadCatalog; every entry that passes Check has a name
// that is one plain directory name and an MD5 of 32 hex digits; and the
// entries survive a JSON round trip.
func FuzzParseCatalog(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzParseCatalog.
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := ParseCatalog(b)
		if err != nil {
			if !errors.Is(err, ErrBadCatalog) {
				t.Fatalf("ParseCatalog error %v does not wrap ErrBadCatalog", err)
			}
			return
		}
		for _, e := range entries {
			if e.Check() == nil {
				if e.Name == "" || e.Name == ".." || strings.ContainsAny(e.Name, "/\\") || len(e.MD5) != 32 || e.Size <= 0 {
					t.Fatalf("Check passed %+v", e)
				}
			}
			again := roundTrip(t, e)
			if again != e {
				t.Fatalf("round trip: %+v became %+v", e, again)
			}
		}
	})
}

// roundTrip writes e as the published list does and reads it back.
func roundTrip(t *testing.T, e Entry) Entry {
	t.Helper()
	obsolete := "false"
	if e.Obsolete {
		obsolete = "true"
	}
	b, err := json.Marshal(map[string]any{
		"name": e.Name, "lang": e.Lang, "lang_text": e.LangText, "type": e.Type, "version": e.Version,
		"url": e.URL, "md5": e.MD5, "size": e.Size, "size_text": e.SizeText, "obsolete": obsolete,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got Entry
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("reading back %s: %v", b, err)
	}
	return got
}
