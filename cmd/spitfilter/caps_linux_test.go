package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// wantNoCapabilities checks that process pid holds none of the capability
// sets named (CapInh, CapPrm, CapEff, CapBnd, CapAmb).
func wantNoCapabilities(t *testing.T, pid int, sets ...string) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range sets {
		if !regexp.MustCompile(`(?m)^` + set + `:\s+0+$`).Match(status) {
			t.Errorf("process %d holds capabilities (%s):\n%s", pid, set, status)
			return
		}
	}
}

// TestRecognizerProcessUnprivileged runs the daemon as systemd's unit
// does: not root, with CAP_NET_ADMIN as its only (ambient) capability, here
// through setpriv as nobody, in a network namespace of its own. It opens
// its queue, and its recognizer process holds no capability: it is not
// passed on at exec (the bounding set stays, as dropping it takes
// CAP_SETPCAP, and without permitted or ambient ones it grants nothing).
func TestRecognizerProcessUnprivileged(t *testing.T) {
	requireRoot(t)
	for _, tool := range []string{"setpriv", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found (util-linux): %v", tool, err)
		}
	}
	// nobody must reach the binary (the test binary, which is also the
	// daemon and the recognizer process) and the config.
	dir, err := os.MkdirTemp("", "spitfilter-caps-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "spitfilter.test")
	if err := os.WriteFile(exe, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "spitfilter.yaml")
	if err := os.WriteFile(cfg, []byte("engine: pocketsphinx\nmode: keyword\nqueue: \"7\"\nrtp_ports: 30000\nmetrics: \"\"\nevents: \"\"\nbanned: [car warranty]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "-n", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		"--inh-caps=+net_admin", "--ambient-caps=+net_admin", exe, "-test.run=^TestHelperDaemon$")
	cmd.Env = append(os.Environ(), "SPITFILTER_HELPER_DAEMON="+cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid // unshare and setpriv exec: this is the daemon
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs, _ := lineCollector(stderr)
	for deadline := time.Now().Add(20 * time.Second); !regexp.MustCompile(`msg=ready`).MatchString(logs()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the unprivileged daemon never got ready:\n%s", logs())
		}
	}
	rec := childOf(t, pid)
	wantNoCapabilities(t, rec, "CapInh", "CapPrm", "CapEff", "CapAmb")
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", rec))
	if !regexp.MustCompile(`(?m)^Uid:\s+65534\s`).Match(b) {
		t.Errorf("recognizer process %d is not nobody's:\n%s", rec, b)
	}
	if err := unix.Kill(pid, unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("daemon: %v\n%s", err, logs())
	}
	for deadline := time.Now().Add(5 * time.Second); unix.Kill(rec, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("recognizer process %d outlived its daemon", rec)
			break
		}
	}
}
