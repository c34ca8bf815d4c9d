//go:build linux

package fastbench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// judgeProc is a running judge: the *exec.Cmd the rig started, never a
// process found by name.
type judgeProc struct {
	name string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{} // closed when the process has been waited for
	err  error         // Wait's result, valid after done
}

// startJudge starts j inside namespace ns with "[chrt -f RT] nice -n NICE ip netns exec", in its own
// process group, killed by the kernel if the rig dies (Pdeathsig). The
// goroutine that starts it stays locked to its thread until the judge ends,
// since Pdeathsig fires when the forking thread exits.
func startJudge(j Judge, ns string, queue uint16, sch scheduling) (*judgeProc, error) {
	argv := append([]string{"nice", "-n", strconv.Itoa(sch.nice), "ip", "netns", "exec", ns}, j.expand(queue)...)
	if sch.rt > 0 {
		argv = append([]string{"chrt", "-f", strconv.Itoa(sch.rt)}, argv...)
	}
	p := &judgeProc{name: j.Name, out: &tail{max: 4096}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), QueueEnv+"="+strconv.Itoa(int(queue)))
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := p.cmd.Start(); err != nil {
			started <- fmt.Errorf("%w: judge %s: start %s: %v", ErrSetup, j.Name, strings.Join(j.Argv, " "), err)
			close(p.done)
			return
		}
		started <- nil
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// exited returns a non-nil error when the judge has ended.
func (p *judgeProc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%w: %s: %v; its output: %q", ErrJudgeExited, p.name, p.err, p.out.String())
	default:
		return nil
	}
}

// stop sends SIGTERM to the judge's process group, SIGKILL after grace, and
// waits. It can be called again.
func (p *judgeProc) stop(grace time.Duration) {
	if p.exited() != nil {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
}

// waitBound waits until queue shows a listener in ns, the judge dies, or timeout.
func (p *judgeProc) waitBound(ctx context.Context, ns string, queue uint16, timeout time.Duration) (QueueStats, error) {
	deadline := time.Now().Add(timeout)
	for {
		st, ok, err := queueStats(ns, queue)
		if err != nil {
			return QueueStats{}, err
		}
		if ok {
			return st, nil
		}
		if err := p.exited(); err != nil {
			return QueueStats{}, err
		}
		if time.Now().After(deadline) {
			return QueueStats{}, fmt.Errorf("%w: judge %s did not bind queue %d within %v (does it read $%s or %s?); its output: %q",
				ErrNotBound, p.name, queue, timeout, QueueEnv, QueuePlaceholder, p.out.String())
		}
		select {
		case <-ctx.Done():
			return QueueStats{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitUnbound waits until no one listens on queue in ns.
func waitUnbound(ns string, queue uint16, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, ok, err := queueStats(ns, queue)
		if err != nil || !ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: queue %d still bound %v after its judge ended", ErrSetup, queue, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func queueStats(ns string, queue uint16) (QueueStats, bool, error) {
	b, err := readNetFile(ns, "netfilter/nfnetlink_queue")
	if err != nil {
		return QueueStats{}, false, fmt.Errorf("%w: read nfnetlink_queue in %s (is nfnetlink_queue loaded?): %v", ErrSetup, ns, err)
	}
	return parseQueueStats(b, queue)
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}

// settle waits until the judge has done its start-up work: its CPU time
// (all threads, and all its child processes') grows by less than a clock
// tick in each of three 100 ms intervals in a row. A judge that binds its
// queue first and then prepares (spitfilter makes its spare recognizers
// beside the open queue, in its recognizer process) would otherwise be
// measured while it prepares. A judge that never settles (one
// that polls) is measured after timeout; settle says so in its result.
func (p *judgeProc) settle(ctx context.Context, timeout time.Duration) (took time.Duration, settled bool, err error) {
	start := time.Now()
	prev, err := treeCPUTicks(p.cmd.Process.Pid)
	if err != nil {
		return 0, false, err
	}
	for quiet := 0; quiet < 3; {
		select {
		case <-ctx.Done():
			return time.Since(start), false, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if err := p.exited(); err != nil {
			return time.Since(start), false, err
		}
		now, err := treeCPUTicks(p.cmd.Process.Pid)
		if err != nil {
			return time.Since(start), false, err
		}
		if now-prev <= 1 {
			quiet++
		} else {
			quiet = 0
		}
		prev = now
		if time.Since(start) > timeout {
			return time.Since(start), false, nil
		}
	}
	return time.Since(start), true, nil
}

// procCPUTicks is the user and system CPU time of process pid, all its
// threads, in clock ticks (USER_HZ, 100 a second; /proc/PID/stat fields 14
// and 15).
func procCPUTicks(pid int) (uint64, error) {
	stat, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return parseCPUTicks(stat)
}

func readStat(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", fmt.Errorf("%w: judge's CPU time: %v", ErrSetup, err)
	}
	return string(b), nil
}

// treeCPUTicks is the CPU time of process pid and of its descendants, in
// clock ticks: user and system time of each that lives, and of the children
// each has waited for (so a child's time stays counted after it ends).
func treeCPUTicks(pid int) (uint64, error) {
	stat, err := readStat(pid) // the judge itself must be there
	if err != nil {
		return 0, err
	}
	_, sum, err := parseStat(stat)
	if err != nil {
		return 0, err
	}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("%w: judge's CPU time: %v", ErrSetup, err)
	}
	type proc struct {
		ppid  int
		ticks uint64
	}
	procs := map[int]proc{}
	for _, d := range dirs {
		n, err := strconv.Atoi(d.Name())
		if err != nil || n == pid {
			continue
		}
		stat, err := readStat(n)
		if err != nil {
			continue // gone
		}
		if ppid, ticks, err := parseStat(stat); err == nil {
			procs[n] = proc{ppid, ticks}
		}
	}
	in := map[int]bool{pid: true}
	for grew := true; grew; {
		grew = false
		for n, p := range procs {
			if !in[n] && in[p.ppid] {
				in[n], grew = true, true
				sum += p.ticks
			}
		}
	}
	return sum, nil
}

// parseStat reads the parent pid (field 4) and utime+stime+cutime+cstime
// (fields 14–17) from the text of /proc/PID/stat.
func parseStat(stat string) (ppid int, ticks uint64, err error) {
	f, err := statFields(stat, 15)
	if err != nil {
		return 0, 0, err
	}
	if ppid, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, fmt.Errorf("%w: /proc stat %q: parent %q: %v", ErrSetup, stat, f[1], err)
	}
	ticks, err = sumTicks(stat, f[11:15])
	return ppid, ticks, err
}

// parseCPUTicks reads utime+stime from the text of /proc/PID/stat.
func parseCPUTicks(stat string) (uint64, error) {
	f, err := statFields(stat, 13)
	if err != nil {
		return 0, err
	}
	return sumTicks(stat, f[11:13]) // fields 14 and 15
}

// statFields returns the fields of /proc/PID/stat's text after the command
// name, at least n of them. The command name (field 2) is in parentheses
// and may hold spaces, so the fields are counted from its closing one.
func statFields(stat string, n int) ([]string, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return nil, fmt.Errorf("%w: /proc stat %q: no command name", ErrSetup, stat)
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < n {
		return nil, fmt.Errorf("%w: /proc stat %q: %d fields after the command name, want at least %d", ErrSetup, stat, len(f), n)
	}
	return f, nil
}

// sumTicks adds up the clock-tick fields of stat.
func sumTicks(stat string, fields []string) (uint64, error) {
	var sum uint64
	for _, s := range fields {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: /proc stat %q: CPU time %q: %v", ErrSetup, stat, s, err)
		}
		sum += n
	}
	return sum, nil
}
