package fastbench

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// judgeC is the C judge's source (judge.c beside this file).
//
//go:embed judge.c
var judgeC []byte

// GoJudgePackage is the import path of the naive go-nfqueue judge.
const GoJudgePackage = "github.com/spitfilter/spitfilter/cmd/spitfilter/internal/fastbench/cmd/gojudge"

// BuildCJudge compiles the C judge (gcc -O2, libnetfilter_queue) into dir
// and returns the binary's path. It needs gcc and libnetfilter-queue-dev.
func BuildCJudge(ctx context.Context, dir string) (string, error) {
	src := filepath.Join(dir, "judge.c")
	if err := os.WriteFile(src, judgeC, 0o644); err != nil {
		return "", fmt.Errorf("%w: write C judge source: %v", ErrSetup, err)
	}
	bin := filepath.Join(dir, "judge-c")
	if err := build(ctx, "", "gcc", "-O2", "-Wall", "-o", bin, src, "-lnetfilter_queue", "-lnfnetlink"); err != nil {
		return "", fmt.Errorf("%w (Debian packages gcc and libnetfilter-queue-dev)", err)
	}
	return bin, nil
}

// BuildGoJudge builds the go-nfqueue judge into dir with the go command,
// which must run inside this module (modDir: any directory in it, "" for
// the current one), and returns the binary's path.
func BuildGoJudge(ctx context.Context, dir, modDir string) (string, error) {
	bin := filepath.Join(dir, "judge-go")
	if err := build(ctx, modDir, "go", "build", "-o", bin, GoJudgePackage); err != nil {
		return "", err
	}
	return bin, nil
}

// DefaultJudges are the two reference judges, given their binaries: "c"
// (libnetfilter_queue) and "go" (naive go-nfqueue), both with a 4096-packet queue.
func DefaultJudges(cBin, goBin string) []Judge {
	return []Judge{
		{Name: "c", Argv: []string{cBin, QueuePlaceholder, "4096"}},
		{Name: "go", Argv: []string{goBin, "-queue", QueuePlaceholder, "-maxqlen", "4096"}},
	}
}

// IdleLoadJudge is the C judge measured with IdleLoad, named "c-idle-load".
func IdleLoadJudge(cBin string) Judge {
	return Judge{Name: "c-idle-load", Argv: []string{cBin, QueuePlaceholder, "4096"}, IdleLoad: true}
}

// MemLoadJudge is the C judge holding mib MiB of idle memory in its own
// process (judge.c's third argument), named "c-mem-load": what memory a
// judge holds, as spitfilter holds its recognizers, costs its latency.
func MemLoadJudge(cBin string, mib int) Judge {
	return Judge{Name: "c-mem-load", Argv: []string{cBin, QueuePlaceholder, "4096", strconv.Itoa(mib)}}
}

func build(ctx context.Context, dir, name string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s %s: %v: %s", ErrSetup, name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}
