package models

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxEntries bounds the number of entries of an archive.
const maxEntries = 100000

// Unzip unpacks the zip archive at src into the new directory dst, which
// must not exist. Published Vosk archives hold one top directory named like
// the model; when every entry is under one top directory, that directory's
// contents become dst's.
//
// It refuses, with an error wrapping [ErrUnsafeArchive] that names the
// entry: absolute names, names with ".." or backslashes, entries other than
// files, directories and symlinks, symlinks whose target leaves dst, more
// than 100000 entries, and more than maxTotal bytes unpacked (counted as
// written, whatever the headers claim). Symlinks are made after every file
// is written, so no file is written through one.
func Unzip(src, dst string, maxTotal int64) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnsafeArchive, src, err)
	}
	defer zr.Close()
	if len(zr.File) > maxEntries {
		return fmt.Errorf("%w: %s has %d entries, more than %d", ErrUnsafeArchive, src, len(zr.File), maxEntries)
	}
	names := make([]string, len(zr.File))
	for i, zf := range zr.File {
		n := zf.Name
		if strings.Contains(n, `\`) || path.IsAbs(n) || strings.ContainsRune(n, 0) {
			return fmt.Errorf("%w: %s: entry %q has an absolute name or a backslash", ErrUnsafeArchive, src, clip(n))
		}
		clean := path.Clean(n)
		if !filepath.IsLocal(filepath.FromSlash(clean)) {
			return fmt.Errorf("%w: %s: entry %q leaves the archive's directory", ErrUnsafeArchive, src, clip(n))
		}
		names[i] = clean
	}
	// No entry may lie under a symlink: writing through one could leave dst
	// however lexically local its name is.
	links := map[string]bool{}
	for i, zf := range zr.File {
		if zf.Mode()&os.ModeSymlink != 0 {
			links[names[i]] = true
		}
	}
	if len(links) > 0 {
		for i := range names {
			for dir := path.Dir(names[i]); dir != "."; dir = path.Dir(dir) {
				if links[dir] {
					return fmt.Errorf("%w: %s: entry %q lies under the symlink %q", ErrUnsafeArchive, src, clip(zr.File[i].Name), dir)
				}
			}
		}
	}
	prefix := commonTop(names, zr.File)

	if err := os.Mkdir(dst, 0o755); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	var total int64
	type link struct{ name, target string }
	var symlinks []link
	for i, zf := range zr.File {
		rel := names[i]
		if prefix != "" {
			if rel+"/" == prefix {
				continue // the top directory itself
			}
			rel = strings.TrimPrefix(rel, prefix)
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		mode := zf.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("models: %w", err)
			}
		case mode&os.ModeSymlink != 0:
			t, err := readLink(zf, src)
			if err != nil {
				return err
			}
			if path.IsAbs(t) || strings.Contains(t, `\`) ||
				!filepath.IsLocal(filepath.FromSlash(path.Join(path.Dir(rel), t))) {
				return fmt.Errorf("%w: %s: symlink %q points to %q, outside the model", ErrUnsafeArchive, src, zf.Name, clip(t))
			}
			symlinks = append(symlinks, link{target, t})
		case mode.IsRegular():
			n, err := writeEntry(zf, target, maxTotal-total)
			total += n
			if err != nil {
				return fmt.Errorf("%s: entry %q: %w", src, zf.Name, err)
			}
		default:
			return fmt.Errorf("%w: %s: entry %q is a %v, not a file or directory", ErrUnsafeArchive, src, zf.Name, mode.Type())
		}
	}
	for _, l := range symlinks {
		if err := os.MkdirAll(filepath.Dir(l.name), 0o755); err != nil {
			return fmt.Errorf("models: %w", err)
		}
		if err := os.Symlink(filepath.FromSlash(l.target), l.name); err != nil {
			return fmt.Errorf("models: %w", err)
		}
	}
	return nil
}

// commonTop returns "top/" when every entry is top or under it, else "".
func commonTop(names []string, files []*zip.File) string {
	top := ""
	for i, n := range names {
		first, _, under := strings.Cut(n, "/")
		if !under && !files[i].Mode().IsDir() {
			return "" // a file at the top
		}
		if top == "" {
			top = first
		} else if first != top {
			return ""
		}
	}
	if top == "" {
		return ""
	}
	return top + "/"
}

// readLink reads a symlink entry's target, bounded.
func readLink(zf *zip.File, src string) (string, error) {
	rc, err := zf.Open()
	if err != nil {
		return "", fmt.Errorf("%w: %s: entry %q: %w", ErrUnsafeArchive, src, zf.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 4097))
	if err != nil || len(b) > 4096 {
		return "", fmt.Errorf("%w: %s: symlink %q has an unreadable or overlong target", ErrUnsafeArchive, src, zf.Name)
	}
	return string(b), nil
}

// writeEntry writes a file entry to target, at most budget bytes, and
// returns the bytes written.
func writeEntry(zf *zip.File, target string, budget int64) (int64, error) {
	if int64(zf.UncompressedSize64) > budget || zf.UncompressedSize64 > 1<<62 {
		return 0, fmt.Errorf("%w: unpacking it would pass the bound on the model's size", ErrUnsafeArchive)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return 0, fmt.Errorf("models: %w", err)
	}
	rc, err := zf.Open()
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnsafeArchive, err)
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, fmt.Errorf("models: %w", err)
	}
	n, err := io.Copy(out, io.LimitReader(rc, budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("%w: %w", ErrUnsafeArchive, err)
	}
	if n > budget {
		return n, fmt.Errorf("%w: unpacking it would pass the bound on the model's size", ErrUnsafeArchive)
	}
	return n, nil
}
