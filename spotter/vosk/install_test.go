package vosk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runInstall runs install-libvosk.sh with PREFIX=prefix and returns its
// output.
func runInstall(t *testing.T, prefix string) string {
	t.Helper()
	cmd := exec.Command("bash", "install-libvosk.sh")
	cmd.Env = append(os.Environ(), "PREFIX="+prefix)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install-libvosk.sh: %v\n%s", err, out)
	}
	return string(out)
}

func fileSHA256(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestInstallScript installs libvosk into a scratch prefix with the real
// script (npm pack from the npm registry), then checks that a second run does
// nothing and that a damaged library is replaced.
func TestInstallScript(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches the 24 MB vosk npm package")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm not installed")
	}
	script, err := os.ReadFile("install-libvosk.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^SHA256=([0-9a-f]{64})$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("install-libvosk.sh pins no SHA256=")
	}
	pinned := string(m[1])

	prefix := t.TempDir()
	lib, header := filepath.Join(prefix, "lib", "libvosk.so"), filepath.Join(prefix, "include", "vosk_api.h")

	t.Run("fresh", func(t *testing.T) {
		out := runInstall(t, prefix)
		if !strings.Contains(out, "installed "+lib) || !strings.Contains(out, "installed "+header) {
			t.Errorf("output does not report both installs:\n%s", out)
		}
		if got := fileSHA256(t, lib); got != pinned {
			t.Errorf("installed library sha256 %s, want %s", got, pinned)
		}
		want, _ := os.ReadFile(filepath.Join("include", "vosk_api.h"))
		if got, _ := os.ReadFile(header); !bytes.Equal(got, want) {
			t.Error("installed header differs from include/vosk_api.h")
		}
	})
	t.Run("again-does-nothing", func(t *testing.T) {
		st, _ := os.Stat(lib)
		out := runInstall(t, prefix)
		if !strings.Contains(out, "already installed") {
			t.Errorf("second run output:\n%s", out)
		}
		if st2, _ := os.Stat(lib); !st2.ModTime().Equal(st.ModTime()) {
			t.Error("second run rewrote the library")
		}
	})
	t.Run("damaged-library-replaced", func(t *testing.T) {
		if err := os.WriteFile(lib, []byte("not a library"), 0o755); err != nil {
			t.Fatal(err)
		}
		out := runInstall(t, prefix)
		if !strings.Contains(out, "installed "+lib) || strings.Contains(out, "installed "+header) {
			t.Errorf("output should report the library, not the header:\n%s", out)
		}
		if got := fileSHA256(t, lib); got != pinned {
			t.Errorf("reinstalled library sha256 %s, want %s", got, pinned)
		}
	})
}
