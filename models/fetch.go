package models

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DefaultBaseURL is where Vosk publishes its models and model-list.json.
const DefaultBaseURL = "https://alphacephei.com/vosk/models/"

// Default bounds of a [Fetcher].
const (
	// DefaultMaxArchive bounds a downloaded archive: the largest published
	// Vosk models are under 4 GB.
	DefaultMaxArchive = 5 << 30
	// DefaultMaxUnpacked bounds the unpacked model.
	DefaultMaxUnpacked = 8 << 30
	// maxCatalog bounds the model list.
	maxCatalog = 16 << 20
)

// Fetcher downloads Vosk models. The zero value fetches from
// [DefaultBaseURL] with [http.DefaultClient] and the default bounds.
type Fetcher struct {
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
	// BaseURL is the directory the model list model-list.json is in; ""
	// means DefaultBaseURL.
	BaseURL string
	// MaxArchive bounds the archive's size in bytes; 0 means
	// DefaultMaxArchive.
	MaxArchive int64
	// MaxUnpacked bounds the unpacked model's size in bytes; 0 means
	// DefaultMaxUnpacked.
	MaxUnpacked int64
	// Progress, when not nil, is called as the archive downloads with the
	// bytes so far and the total expected. It runs on Fetch's goroutine.
	Progress func(done, total int64)
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}

// listURL is the model list's URL.
func (f *Fetcher) listURL() (*url.URL, error) {
	base := f.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("models: base URL %q is not an http(s) URL", base)
	}
	return u.JoinPath("model-list.json"), nil
}

// Catalog downloads and parses the model list.
func (f *Fetcher) Catalog(ctx context.Context) ([]Entry, error) {
	u, err := f.listURL()
	if err != nil {
		return nil, err
	}
	body, err := f.get(ctx, u.String())
	if err != nil {
		return nil, err
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, maxCatalog+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrDownload, u, err)
	}
	if len(b) > maxCatalog {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadCatalog, u, maxCatalog)
	}
	entries, err := ParseCatalog(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return entries, nil
}

// get starts a GET and checks its status.
func (f *Fetcher) get(ctx context.Context, u string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDownload, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: GET %s: %s", ErrDownload, u, resp.Status)
	}
	return resp.Body, nil
}

// Fetch downloads the Vosk model name into dir and returns it validated,
// at dir/name. It fetches the model list, finds name (an unknown name is an
// [*UnknownModelError] listing close names), downloads the archive to a
// temporary directory inside dir, bounded by the size the list gives,
// checks the list's MD5 and, when sha256Hex is not "", that SHA-256,
// unpacks it safely (see [Unzip]), validates the model and renames it into
// place. Nothing is left in dir on failure. dir/name must not exist yet.
func (f *Fetcher) Fetch(ctx context.Context, name, dir, sha256Hex string) (*Model, error) {
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	var wantSHA []byte
	if sha256Hex != "" {
		var err error
		if wantSHA, err = hex.DecodeString(sha256Hex); err != nil || len(wantSHA) != sha256.Size {
			return nil, fmt.Errorf("models: sha256 %q is not 64 hex digits", clip(sha256Hex))
		}
	}
	final := filepath.Join(dir, name)
	if _, err := os.Lstat(final); err == nil {
		return nil, fmt.Errorf("%w: %s; remove it first to fetch it again", ErrExists, final)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("models: %w", err)
	}

	listURL, err := f.listURL()
	if err != nil {
		return nil, err
	}
	entries, err := f.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	var entry *Entry
	for i := range entries {
		if entries[i].Name == name {
			entry = &entries[i]
			break
		}
	}
	if entry == nil {
		return nil, &UnknownModelError{Name: name, Close: closeNames(name, entries, 5), ListURL: listURL.String()}
	}
	if err := entry.Check(); err != nil {
		return nil, err
	}
	zipURL, err := listURL.Parse(entry.URL)
	if err != nil || (zipURL.Scheme != "http" && zipURL.Scheme != "https") {
		return nil, fmt.Errorf("%w: entry %q: url %q is not an http(s) URL", ErrBadCatalog, name, clip(entry.URL))
	}
	maxArchive := f.MaxArchive
	if maxArchive <= 0 {
		maxArchive = DefaultMaxArchive
	}
	if entry.Size > maxArchive {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than the bound of %d", ErrDownload, zipURL, entry.Size, maxArchive)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".fetch-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	defer os.RemoveAll(tmp)

	archive := filepath.Join(tmp, name+".zip")
	if err := f.download(ctx, zipURL.String(), archive, entry.Size, entry.MD5, wantSHA); err != nil {
		return nil, err
	}
	maxUnpacked := f.MaxUnpacked
	if maxUnpacked <= 0 {
		maxUnpacked = DefaultMaxUnpacked
	}
	unpacked := filepath.Join(tmp, name)
	if err := Unzip(archive, unpacked, maxUnpacked); err != nil {
		return nil, fmt.Errorf("%s: %w", zipURL, err)
	}
	if _, err := ValidateVosk(unpacked); err != nil {
		return nil, fmt.Errorf("models: the archive %s does not hold a usable model: %w", zipURL, err)
	}
	if err := os.Rename(unpacked, final); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	return ValidateVosk(final)
}

// download writes u to path, checking its size and digests.
func (f *Fetcher) download(ctx context.Context, u, path string, size int64, md5Hex string, wantSHA []byte) error {
	body, err := f.get(ctx, u)
	if err != nil {
		return err
	}
	defer body.Close()
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer out.Close()
	md, sh := md5.New(), sha256.New()
	w := io.MultiWriter(out, md, sh)
	var done int64
	buf := make([]byte, 256<<10)
	// Read one byte past the size the list gives, to tell a longer body.
	r := io.LimitReader(body, size+1)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return fmt.Errorf("models: writing %s: %w", path, err)
			}
			done += int64(n)
			if f.Progress != nil {
				f.Progress(min(done, size), size)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("%w: %s after %d of %d bytes: %w", ErrDownload, u, done, size, rerr)
		}
	}
	switch {
	case done < size:
		return fmt.Errorf("%w: %s: truncated: got %d of %d bytes", ErrDownload, u, done, size)
	case done > size:
		return fmt.Errorf("%w: %s: longer than the %d bytes the model list gives", ErrDownload, u, size)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("models: writing %s: %w", path, err)
	}
	if err := checkSum("MD5", md, md5Hex, u); err != nil {
		return err
	}
	if wantSHA != nil {
		if err := checkSum("SHA-256", sh, hex.EncodeToString(wantSHA), u); err != nil {
			return err
		}
	}
	return nil
}

// checkSum compares h's sum with the hex digest want.
func checkSum(kind string, h hash.Hash, want, u string) error {
	got := hex.EncodeToString(h.Sum(nil))
	if !strings.EqualFold(got, want) {
		return fmt.Errorf("%w: %s: %s is %s, want %s", ErrChecksum, u, kind, got, strings.ToLower(want))
	}
	return nil
}
