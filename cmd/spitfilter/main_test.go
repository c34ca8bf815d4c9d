package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain: the test binary is also the recognizer process of the daemons
// the tests run (os.Executable is the test binary there).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "recognizer" {
		os.Exit(runRecognizer(os.Args[2:], os.Stderr))
	}
	os.Exit(m.Run())
}

func TestRules(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
		code int
	}{
		{"single queue fail-open", []string{"rules", "--rtp-ports", "10000-20000", "--queue", "0"}, []string{
			"iptables -t mangle -I INPUT -p udp --dport 10000:20000 -j NFQUEUE --queue-num 0 --queue-bypass",
			"ip6tables -t mangle -I INPUT -p udp --dport 10000:20000 -j NFQUEUE --queue-num 0 --queue-bypass",
			"udp dport '{ 10000-20000 }' queue flags bypass to 0",
		}, 0},
		{"queue range", []string{"rules", "--queue", "0-3"}, []string{
			"--queue-balance 0:3 --queue-bypass", "queue flags fanout,bypass to 0-3",
		}, 0},
		{"fail-closed", []string{"rules", "--queue", "2", "--fail-closed"}, []string{
			"-j NFQUEUE --queue-num 2\n", "queue num 2\n",
		}, 0},
		{"from the config", []string{"rules", "--config", "spitfilter.yaml"}, []string{
			"--dport 10000:20000 -j NFQUEUE --queue-balance 0:1 --queue-bypass", "queue flags fanout,bypass to 0-1",
		}, 0},
		{"flags win over the config", []string{"rules", "--config", "spitfilter.yaml", "--queue", "7"}, []string{
			"--queue-num 7 --queue-bypass",
		}, 0},
		{"bad config", []string{"rules", "--config", "no-such.yaml"}, nil, 2},
		{"bad queue", []string{"rules", "--queue", "3-1"}, nil, 2},
		{"bad ports", []string{"rules", "--rtp-ports", "20000-10000"}, nil, 2},
		{"unknown command", []string{"frobnicate"}, nil, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tc.code != 0 && errb.Len() == 0 {
				t.Error("error exit without a message")
			}
		})
	}
}

// TestRulesMark: with action mark in the config, rules also copy the mark to
// the connection; nft accepts the nft part (checked with nft -c when it
// can run here).
func TestRulesMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mark.yaml")
	if err := os.WriteFile(path, []byte("banned: [car warranty]\naction: mark\nmark: 0x77\nrtp_ports: 16384-32767\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"rules", "--config", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, w := range []string{
		"iptables -t filter -I INPUT -p udp --dport 16384:32767 -m mark --mark 0x77 -j CONNMARK --save-mark",
		"ip6tables -t filter -I INPUT -p udp --dport 16384:32767 -m mark --mark 0x77 -j CONNMARK --save-mark",
		"nft add rule inet spitfilter marks udp dport '{ 16384-32767 }' meta mark 0x77 ct mark set meta mark",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"rules", "--config", "spitfilter.yaml"}, &out, &errb); code != 0 || strings.Contains(out.String(), "CONNMARK") {
		t.Errorf("a config without action mark got connmark rules (exit %d):\n%s", code, out.String())
	}

	// nft -c parses and checks the commands against the kernel without
	// applying them (the queue rule needs CONFIG_NFT_QUEUE: not checked)
	nft, err := exec.LookPath("nft")
	if err != nil || os.Geteuid() != 0 {
		t.Log("nft or root missing: the nft rules are not checked")
		return
	}
	out.Reset()
	run([]string{"rules", "--config", path}, &out, &errb)
	var script []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "nft ") && !strings.Contains(line, " queue ") {
			script = append(script, strings.ReplaceAll(strings.TrimPrefix(line, "nft "), "'", ""))
		}
	}
	cmd := exec.Command(nft, "-c", "-f", "-")
	cmd.Stdin = strings.NewReader(strings.Join(script, "\n") + "\n")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("nft -c rejects the rules: %v\n%s\n%s", err, b, strings.Join(script, "\n"))
	}
}
