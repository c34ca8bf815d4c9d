package decode

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// soxPath returns the sox binary or skips the test: sox is the independent
// reference for G.711 and WAV, installed in CI (Debian package "sox").
func soxPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("sox")
	if err != nil {
		t.Skip("sox is not installed (apt-get install sox); it is the independent reference this test compares against")
	}
	return p
}

// runSox runs sox with args, where the strings "IN" and "OUT" stand for a
// file holding in and a file whose content is returned.
func runSox(t testing.TB, in []byte, args ...string) []byte {
	t.Helper()
	sox := soxPath(t)
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in.raw"), filepath.Join(dir, "out.raw")
	if err := os.WriteFile(inPath, in, 0o600); err != nil {
		t.Fatal(err)
	}
	full := make([]string, len(args))
	for i, a := range args {
		switch a {
		case "IN":
			a = inPath
		case "OUT":
			a = outPath
		}
		full[i] = a
	}
	cmd := exec.Command(sox, full...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sox %s: %v\n%s", strings.Join(full, " "), err, stderr.Bytes())
	}
	out, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// soxDecode decodes G.711 bytes of sox type typ ("ul" or "al") to 16-bit
// little-endian signed PCM with sox.
func soxDecode(t testing.TB, typ string, codes []byte) []int16 {
	t.Helper()
	raw := runSox(t, codes, "-t", typ, "-r", "8000", "-c", "1", "IN",
		"-t", "s16", "-e", "signed", "-b", "16", "-L", "OUT")
	if len(raw) != 2*len(codes) {
		t.Fatalf("sox decoded %d codes to %d bytes, want %d", len(codes), len(raw), 2*len(codes))
	}
	pcm := make([]int16, len(codes))
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	return pcm
}

// soxEncode encodes 16-bit PCM to G.711 of sox type typ with sox, dither
// off (-D) so that the encoding is deterministic.
func soxEncode(t testing.TB, typ string, pcm []int16) []byte {
	t.Helper()
	raw := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(s))
	}
	out := runSox(t, raw, "-D", "-V1", "-t", "s16", "-e", "signed", "-b", "16", "-L", "-r", "8000", "-c", "1", "IN",
		"-t", typ, "OUT")
	if len(out) != len(pcm) {
		t.Fatalf("sox encoded %d samples to %d bytes", len(pcm), len(out))
	}
	return out
}
