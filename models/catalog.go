package models

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Entry is one model of the published Vosk model list
// (https://alphacephei.com/vosk/models/model-list.json), as the official
// Python package reads it.
type Entry struct {
	// Name is the model's name, also its directory name and the zip's base
	// name ("vosk-model-small-en-us-0.15").
	Name string `json:"name"`
	// Lang is the language code ("en-us"); LangText its English name.
	Lang     string `json:"lang"`
	LangText string `json:"lang_text"`
	// Type is "small", "big", "big-lgraph", or another kind ("spk", "tts").
	Type string `json:"type"`
	// Version is the model's version ("0.15").
	Version string `json:"version"`
	// URL is where the zip archive is; a relative URL is resolved against
	// the list's.
	URL string `json:"url"`
	// MD5 is the archive's MD5, in hex.
	MD5 string `json:"md5"`
	// Size is the archive's size in bytes; SizeText the same for people.
	Size     int64  `json:"size"`
	SizeText string `json:"size_text"`
	// Obsolete is true for a model the list keeps only for old users. The
	// list writes it as the string "true" or "false"; a JSON boolean is
	// accepted too.
	Obsolete bool `json:"-"`
}

// UnmarshalJSON reads an entry, taking obsolete as a string or a boolean
// and size as a number or a numeric string.
func (e *Entry) UnmarshalJSON(b []byte) error {
	type plain Entry
	var raw struct {
		plain
		Size     json.RawMessage `json:"size"`
		Obsolete json.RawMessage `json:"obsolete"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*e = Entry(raw.plain)
	var err error
	if e.Size, err = flexInt(raw.Size); err != nil {
		return fmt.Errorf("size: %w", err)
	}
	if e.Obsolete, err = flexBool(raw.Obsolete); err != nil {
		return fmt.Errorf("obsolete: %w", err)
	}
	return nil
}

// flexInt reads a JSON number or numeric string; null or absent is 0.
func flexInt(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	} else {
		s = string(raw)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s is not a byte count", clip(string(raw)))
	}
	return n, nil
}

// flexBool reads a JSON boolean or "true"/"false" string; null or absent is
// false.
func flexBool(raw json.RawMessage) (bool, error) {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "", "null", "false", `"false"`, `"False"`:
		return false, nil
	case "true", `"true"`, `"True"`:
		return true, nil
	}
	return false, fmt.Errorf("%s is not true or false", clip(string(raw)))
}

// ParseCatalog reads the model list: a JSON array of entries. An entry that
// is not an object with the fields' types is an error naming its index.
// Entries are not checked for being fetchable here; [Entry.Check] does that
// for the one fetched, so one odd entry does not hide the others.
func ParseCatalog(b []byte) ([]Entry, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, fmt.Errorf("%w: not a JSON array of models: %w", ErrBadCatalog, err)
	}
	entries := make([]Entry, 0, len(raws))
	for i, raw := range raws {
		var e Entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrBadCatalog, i, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// Check reports whether the entry can be fetched: a name that is a plain
// directory name, a URL, a 32-digit hex MD5 and a positive size.
func (e Entry) Check() error {
	if err := checkName(e.Name); err != nil {
		return fmt.Errorf("%w: entry %q: %w", ErrBadCatalog, e.Name, err)
	}
	if e.URL == "" {
		return fmt.Errorf("%w: entry %q has no url", ErrBadCatalog, e.Name)
	}
	if b, err := hex.DecodeString(e.MD5); err != nil || len(b) != 16 {
		return fmt.Errorf("%w: entry %q: md5 %q is not 32 hex digits", ErrBadCatalog, e.Name, clip(e.MD5))
	}
	if e.Size <= 0 {
		return fmt.Errorf("%w: entry %q: size %d is not positive", ErrBadCatalog, e.Name, e.Size)
	}
	return nil
}

// checkName reports whether name can be a directory name of its own.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty model name")
	case name == "." || name == ".." || strings.HasPrefix(name, "."):
		return fmt.Errorf("model name %q starts with a dot", clip(name))
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("model name %q has a path separator or NUL", clip(name))
	case len(name) > 200:
		return fmt.Errorf("model name is %d bytes long", len(name))
	}
	return nil
}

// closeNames returns up to n names from entries nearest to name: those that
// contain it or that it contains first, then by edit distance, ties by name.
func closeNames(name string, entries []Entry, n int) []string {
	type cand struct {
		name string
		d    int
	}
	lname := strings.ToLower(name)
	var cs []cand
	for _, e := range entries {
		ln := strings.ToLower(e.Name)
		d := editDistance(lname, ln)
		if lname != "" && (strings.Contains(ln, lname) || strings.Contains(lname, ln)) {
			d = 0
		}
		if d <= max(3, len(lname)/3) {
			cs = append(cs, cand{e.Name, d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.name, b.name)
	})
	var out []string
	for _, c := range cs {
		if len(out) == n {
			break
		}
		if !slices.Contains(out, c.name) {
			out = append(out, c.name)
		}
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
