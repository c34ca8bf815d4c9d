package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options are the places a model may be named or found in. The command fills
// it from its flags, its config file and the environment; the zero value
// searches only the standard system paths.
type Options struct {
	// Flag is an explicit model directory from the command line; "" when
	// not given.
	Flag string
	// Config is the config file's model: value; "" when not set. A relative
	// path is taken relative to ConfigFile's directory.
	Config string
	// ConfigFile is the config file Config came from, for resolving a
	// relative Config and for error messages; may be "".
	ConfigFile string
	// EnvDir is the SPITFILTER_MODEL_DIR environment variable: a model
	// directory, or a directory that holds model directories.
	EnvDir string
	// XDGCacheHome is the XDG_CACHE_HOME environment variable; when "",
	// Home/.cache is used.
	XDGCacheHome string
	// Home is the user's home directory; "" leaves the user cache out.
	Home string
	// SysRoot is the directory the standard system paths
	// (/usr/share/vosk/models, /var/lib/spitfilter/models, /opt/vosk-model*,
	// /usr/share/pocketsphinx/model/en-us) are resolved under; "" means /.
	// Tests and chroot-style installs set it.
	SysRoot string
}

// Source says where a model came from.
type Source string

// The places a model is taken from, in the order [Locate] tries them.
const (
	SourceFlag     Source = "flag"
	SourceConfig   Source = "config"
	SourceEnv      Source = "SPITFILTER_MODEL_DIR"
	SourceStandard Source = "standard path"
)

// Found is one model directory [List] or [Locate] came across.
type Found struct {
	// Engine is the engine the directory was checked for.
	Engine Engine
	// Path is the directory.
	Path string
	// Source is where it was found.
	Source Source
	// Model describes it when it is usable; nil otherwise.
	Model *Model
	// Err says why it is not usable; nil when Model is set.
	Err error
}

// Name is the directory's base name.
func (f Found) Name() string { return filepath.Base(f.Path) }

// UserCacheDir is where a user's models go: $XDG_CACHE_HOME/spitfilter/models,
// else ~/.cache/spitfilter/models; "" when neither variable is known.
func (o Options) UserCacheDir() string {
	switch {
	case o.XDGCacheHome != "" && filepath.IsAbs(o.XDGCacheHome):
		return filepath.Join(o.XDGCacheHome, "spitfilter", "models")
	case o.Home != "":
		return filepath.Join(o.Home, ".cache", "spitfilter", "models")
	}
	return ""
}

// sys resolves an absolute system path under SysRoot.
func (o Options) sys(p string) string {
	if o.SysRoot == "" {
		return p
	}
	return filepath.Join(o.SysRoot, p)
}

// StandardDirs returns the standard places engine e's models are searched
// in, in order. For Vosk these are directories that hold model directories:
// /usr/share/vosk/models, /var/lib/spitfilter/models, the user cache
// ([Options.UserCacheDir]); then the model directories /opt/vosk-model*
// themselves. For PocketSphinx it is Debian's model directory,
// /usr/share/pocketsphinx/model/en-us.
func (o Options) StandardDirs(e Engine) []string {
	switch e {
	case Vosk:
		dirs := []string{o.sys("/usr/share/vosk/models"), o.sys("/var/lib/spitfilter/models")}
		if c := o.UserCacheDir(); c != "" {
			dirs = append(dirs, c)
		}
		return dirs
	case PocketSphinx:
		return []string{o.sys("/usr/share/pocketsphinx/model/en-us")}
	}
	return nil
}

// optVoskDirs are the /opt/vosk-model* directories, sorted.
func (o Options) optVoskDirs() []string {
	m, _ := filepath.Glob(o.sys("/opt/vosk-model*"))
	var dirs []string
	for _, d := range m {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// Locate returns the model engine e should load, and where it came from. It
// tries, in order:
//
//  1. o.Flag, then o.Config: an explicit model directory, which must be a
//     valid model (its error is returned, not passed over);
//  2. o.EnvDir: a model directory, or a directory holding model
//     directories, of which the first valid one by name is taken; when it
//     holds something that looks like a model of e but none is valid, the
//     first one's error is returned;
//  3. the standard paths ([Options.StandardDirs]), where the first valid
//     model wins and broken ones are passed over.
//
// When nothing usable is found the error wraps [ErrNotFound], names every
// place searched and, for the broken models passed over, what is wrong.
func Locate(e Engine, o Options) (Found, error) {
	if _, err := ParseEngine(string(e)); err != nil {
		return Found{}, err
	}
	if o.Flag != "" {
		return explicit(e, o.Flag, SourceFlag, "")
	}
	if o.Config != "" {
		p := o.Config
		if !filepath.IsAbs(p) && o.ConfigFile != "" {
			p = filepath.Join(filepath.Dir(o.ConfigFile), p)
		}
		where := "config"
		if o.ConfigFile != "" {
			where = "config " + o.ConfigFile
		}
		return explicit(e, p, SourceConfig, where)
	}
	var searched []string
	var broken []Found
	if o.EnvDir != "" {
		searched = append(searched, string(SourceEnv)+"="+o.EnvDir)
		found := scanEnv(e, o.EnvDir)
		for _, f := range found {
			if f.Err == nil {
				return f, nil
			}
		}
		if len(found) > 0 {
			return found[0], fmt.Errorf("models: %s=%s: %w", SourceEnv, o.EnvDir, found[0].Err)
		}
	}
	for _, f := range scanStandard(e, o, &searched) {
		if f.Err == nil {
			return f, nil
		}
		broken = append(broken, f)
	}
	msg := fmt.Sprintf("%v for %s; searched %s", ErrNotFound, e, strings.Join(searched, ", "))
	for _, b := range broken {
		msg += fmt.Sprintf("; passed over %s: %v", b.Path, b.Err)
	}
	switch e {
	case Vosk:
		msg += "; get a model from " + voskModelsPage + " or run `" + fetchHint + "`"
	case PocketSphinx:
		msg += "; install Debian's model with `" + psPackage + "`"
	}
	return Found{}, &notFoundError{msg: msg}
}

// notFoundError is Locate's error when nothing usable is found.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return ErrNotFound }

// explicit validates a directory the user named.
func explicit(e Engine, dir string, src Source, where string) (Found, error) {
	f := check(e, dir, src)
	if f.Err != nil {
		if where == "" {
			where = string(src)
		}
		return f, fmt.Errorf("models: %s model %s (from the %s): %w", e, dir, where, f.Err)
	}
	return f, nil
}

// check validates dir for e as found in src.
func check(e Engine, dir string, src Source) Found {
	m, err := Validate(e, dir)
	f := Found{Engine: e, Path: dir, Source: src, Model: m, Err: err}
	if m != nil {
		f.Path = m.Path
	}
	return f
}

// looksLike reports whether dir seems meant as a model of engine e: it has
// the engine's marker files or directories, whether or not complete.
func looksLike(e Engine, dir string) bool {
	has := func(rel string) bool {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		return err == nil
	}
	switch e {
	case Vosk:
		return has("am") || has("conf/mfcc.conf") || has("conf/model.conf") || has("graph") ||
			(has("final.mdl") && has("mfcc.conf"))
	case PocketSphinx:
		if has("mdef") || has("feat.params") {
			return true
		}
		entries, _ := os.ReadDir(dir)
		for _, d := range entries {
			if d.IsDir() && looksLike(PocketSphinx, filepath.Join(dir, d.Name())) {
				return true
			}
		}
	}
	return false
}

// subdirs lists dir's subdirectories that are not hidden, sorted by name.
func subdirs(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range entries {
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, d.Name())
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// scanEnv returns the directories under SPITFILTER_MODEL_DIR that look like
// models of e, validated: env itself when it does, else its subdirectories.
func scanEnv(e Engine, env string) []Found {
	if looksLike(e, env) {
		return []Found{check(e, env, SourceEnv)}
	}
	var found []Found
	for _, d := range subdirs(env) {
		if looksLike(e, d) {
			found = append(found, check(e, d, SourceEnv))
		}
	}
	return found
}

// scanStandard returns the models of e in the standard paths, validated, in
// search order, and appends the places searched to searched.
func scanStandard(e Engine, o Options, searched *[]string) []Found {
	var found []Found
	switch e {
	case Vosk:
		for _, root := range o.StandardDirs(Vosk) {
			*searched = append(*searched, root)
			for _, d := range subdirs(root) {
				found = append(found, check(e, d, SourceStandard))
			}
		}
		*searched = append(*searched, o.sys("/opt/vosk-model*"))
		for _, d := range o.optVoskDirs() {
			found = append(found, check(e, d, SourceStandard))
		}
	case PocketSphinx:
		for _, d := range o.StandardDirs(PocketSphinx) {
			*searched = append(*searched, d)
			if _, err := os.Stat(d); err == nil {
				found = append(found, check(e, d, SourceStandard))
			}
		}
	}
	return found
}

// List returns every model directory found for both engines, usable or not:
// o.Flag and o.Config when set (checked for every engine they look like a
// model of, Vosk when they look like neither), what SPITFILTER_MODEL_DIR
// holds, and the standard paths. Each entry is in the order [Locate] would
// consider it, Vosk first. Every subdirectory of a Vosk standard path is
// listed, with the reason when it is not a valid model.
func List(o Options) []Found {
	var out []Found
	for _, ex := range []struct {
		dir string
		src Source
	}{{o.Flag, SourceFlag}, {o.Config, SourceConfig}} {
		if ex.dir == "" {
			continue
		}
		dir := ex.dir
		if ex.src == SourceConfig && !filepath.IsAbs(dir) && o.ConfigFile != "" {
			dir = filepath.Join(filepath.Dir(o.ConfigFile), dir)
		}
		out = append(out, checkAny(dir, ex.src)...)
	}
	if o.EnvDir != "" {
		if looksLike(Vosk, o.EnvDir) || looksLike(PocketSphinx, o.EnvDir) {
			out = append(out, checkAny(o.EnvDir, SourceEnv)...)
		} else if subs := subdirs(o.EnvDir); len(subs) > 0 {
			for _, d := range subs {
				out = append(out, checkAny(d, SourceEnv)...)
			}
		} else {
			out = append(out, Found{Engine: Vosk, Path: o.EnvDir, Source: SourceEnv,
				Err: fmt.Errorf("%w: %s holds no model directories", ErrInvalidModel, o.EnvDir)})
		}
	}
	var searched []string
	out = append(out, scanStandard(Vosk, o, &searched)...)
	out = append(out, scanStandard(PocketSphinx, o, &searched)...)
	return out
}

// checkAny validates dir for each engine it looks like a model of, or for
// Vosk when it looks like none.
func checkAny(dir string, src Source) []Found {
	var out []Found
	for _, e := range []Engine{Vosk, PocketSphinx} {
		if looksLike(e, dir) {
			out = append(out, check(e, dir, src))
		}
	}
	if len(out) == 0 {
		out = append(out, check(Vosk, dir, src))
	}
	return out
}

// WritableDir returns the directory a fetched Vosk model should go to: the
// first of the Vosk standard paths that exists and can be written to, else
// the user cache ([Options.UserCacheDir]), which is created.
func WritableDir(o Options) (string, error) {
	for _, d := range o.StandardDirs(Vosk) {
		if writable(d) {
			return d, nil
		}
	}
	c := o.UserCacheDir()
	if c == "" {
		return "", errors.New("models: no writable model directory: none of the standard paths is writable and neither XDG_CACHE_HOME nor HOME is known")
	}
	if err := os.MkdirAll(c, 0o755); err != nil {
		return "", fmt.Errorf("models: creating the model cache: %w", err)
	}
	return c, nil
}

// writable reports whether dir exists and a file can be made in it.
func writable(dir string) bool {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	probe, err := os.CreateTemp(dir, ".spitfilter-probe-*")
	if err != nil {
		return false
	}
	probe.Close()
	os.Remove(probe.Name())
	return true
}
