package main

import (
	"bytes"
	"strings"
	"testing"
)

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
