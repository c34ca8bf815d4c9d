// Package main is the spitfilter command.
//
// Command spitfilter is the inline daemon: RTP sent to Netfilter NFQUEUE is
// verdicted packet by packet while its audio is listened to, and a stream is
// muted, bleeped, dropped or marked once banned speech is heard.
//
//	spitfilter run [--config FILE] [--workers N] [--queue N|N-M] ...
//	spitfilter check-config [--config FILE]
//	spitfilter rules [--config FILE] [--rtp-ports RANGES] [--queue N|N-M] [--fail-closed]
//
// run opens one reader per queue and verdicts every packet on its receive
// goroutine, while a pool of workers recognises each stream's speech with
// the same listener spitcheck uses; SIGHUP reloads the config, SIGINT and
// SIGTERM stop it. check-config lists every error of a config file. rules
// prints the iptables/ip6tables and nft commands that send the RTP port
// ranges to the queue(s), with bypass so that traffic flows when no daemon
// listens (fail-open).
//
// By default the recognizers run in a process of their own, "spitfilter
// recognizer", which run starts (and starts again should it end) at the
// analysis priority: the daemon's process, whose readers answer the
// kernel, stays small, and a crash in an engine's C library costs the
// calls' analysis for a moment, not the verdicts. --recognizers inline
// keeps them in the daemon's process.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/rtpflow"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: spitfilter rules [--config FILE] [--rtp-ports RANGES] [--queue N|N-M] [--fail-closed]\n"+
		"       spitfilter check-config [--config FILE]\n"+
		"       spitfilter run [--config FILE] [--queue N|N-M] [--workers N] [--analysis-priority idle|batch]\n"+
		"                      [--analysis-depth FRAMES] [--rcvbuf BYTES] [--recognizers process|inline]\n")
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "rules":
		if err := rules(args[1:], stdout, stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintf(stderr, "spitfilter rules: %v\n", err)
			return 2
		}
		return 0
	case "check-config":
		return checkConfig(args[1:], stdout, stderr)
	case "run":
		return runDaemon(args[1:], stdout, stderr)
	case "recognizer":
		return runRecognizer(args[1:], stderr)
	case "-h", "--help", "help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "spitfilter: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func rules(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ports := fs.String("rtp-ports", "10000-20000", "UDP port ranges that carry RTP")
	queue := fs.String("queue", "0", "NFQUEUE number or range (one reader per queue)")
	closed := fs.Bool("fail-closed", false, "no bypass: RTP is dropped when no daemon listens")
	path := fs.String("config", "", "take rtp_ports, queue, fail_open and the mark from the config `FILE` (flags given as well win)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var mark uint32 // action mark's nfmark, when the config uses it
	if *path != "" {
		cfg, err := config.Load(*path)
		if err != nil {
			return err
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["rtp-ports"] {
			*ports = cfg.RTPPorts.String()
		}
		if !set["queue"] {
			*queue = cfg.Queue.String()
		}
		if !set["fail-closed"] {
			*closed = !cfg.FailOpen
		}
		if cfg.UsesMark() {
			mark = cfg.Mark
		}
	}
	ps, err := rtpflow.ParsePorts(*ports)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return errors.New("--rtp-ports is empty")
	}
	q, err := config.ParseQueue(*queue)
	if err != nil {
		return err
	}
	writeRules(stdout, ps, q, !*closed, mark)
	return nil
}

// writeRules prints both rule sets: iptables (works everywhere) and nft
// (needs a kernel with the nft queue expression, CONFIG_NFT_QUEUE). With a
// mark (action mark in the config), rules that copy it to the connection's
// conntrack mark follow.
func writeRules(w io.Writer, ps rtpflow.Ports, q config.QueueRange, bypass bool, mark uint32) {
	target := fmt.Sprintf("--queue-num %d", q.First)
	if q.Last > q.First {
		target = fmt.Sprintf("--queue-balance %d:%d", q.First, q.Last)
	}
	if bypass {
		target += " --queue-bypass"
	}
	fmt.Fprintln(w, "# iptables: RTP arriving at this host goes through spitfilter. The mangle table")
	fmt.Fprintln(w, "# runs before filter, so the host's own filter rules (and rtpengine's RTPENGINE")
	fmt.Fprintln(w, "# target) still see every packet spitfilter accepts.")
	iptables(w, ps, "-t mangle -I INPUT -p udp --dport %d:%d -j NFQUEUE "+target)
	nq := fmt.Sprintf("queue num %d", q.First)
	var flags []string
	if q.Last > q.First {
		nq = fmt.Sprintf("queue num %d-%d", q.First, q.Last)
		flags = append(flags, "fanout")
	}
	if bypass {
		flags = append(flags, "bypass")
	}
	if len(flags) > 0 {
		nq = fmt.Sprintf("queue flags %s to %s", strings.Join(flags, ","), strings.TrimPrefix(nq, "queue num "))
	}
	set := make([]string, len(ps))
	for i, r := range ps {
		set[i] = fmt.Sprintf("%d-%d", r.Lo, r.Hi)
	}
	fmt.Fprintln(w, "\n# nft (kernel with CONFIG_NFT_QUEUE): the same, as one table")
	fmt.Fprintf(w, "nft add table inet spitfilter\n")
	fmt.Fprintf(w, "nft add chain inet spitfilter input '{ type filter hook input priority -10; policy accept; }'\n")
	fmt.Fprintf(w, "nft add rule inet spitfilter input udp dport '{ %s }' %s\n", strings.Join(set, ", "), nq)
	if mark == 0 {
		return
	}
	fmt.Fprintf(w, "\n# action mark: spitfilter sets nfmark %#x on the stream's packets. These copy it to\n", mark)
	fmt.Fprintln(w, "# the connection's conntrack mark (connmark), for rules on the whole call: its other")
	fmt.Fprintln(w, "# direction too (-m connmark, CONNMARK --restore-mark). A queue verdict resumes at the")
	fmt.Fprintln(w, "# next table, so the copy sits in filter (iptables) or after the queue chain (nft).")
	iptables(w, ps, fmt.Sprintf("-t filter -I INPUT -p udp --dport %%d:%%d -m mark --mark %#x -j CONNMARK --save-mark", mark))
	fmt.Fprintf(w, "nft add chain inet spitfilter marks '{ type filter hook input priority 10; policy accept; }'\n")
	fmt.Fprintf(w, "nft add rule inet spitfilter marks udp dport '{ %s }' meta mark %#x ct mark set meta mark\n", strings.Join(set, ", "), mark)
}

// iptables prints rule, a format with the port range's two %d, for
// iptables and ip6tables and each range of ps.
func iptables(w io.Writer, ps rtpflow.Ports, rule string) {
	for _, tool := range []string{"iptables", "ip6tables"} {
		for _, r := range ps {
			fmt.Fprintf(w, "%s "+rule+"\n", tool, r.Lo, r.Hi)
		}
	}
}
