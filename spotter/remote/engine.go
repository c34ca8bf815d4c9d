// Package remote runs a speech engine's recognizers in a child process: an
// Engine here is a spotter.Engine whose model is loaded, and whose
// recognizers decode, in a process of their own, which Serve runs.
//
// A process that must answer quickly (the daemon's queue readers) stays
// small this way: the recognizers' hundreds of megabytes, their page faults
// and frees, live in another address space, and a crash in an engine's C
// library ends the recognizer process, not the verdicts. Each recognizer
// has its own socket to the process, so streams are decoded side by side as
// in one process; audio is sent without waiting for a reply, and only
// Partial, Final and NewRecognizer wait for one.
//
// When the process ends, the recognizers it held fail with
// ErrProcessEnded, and the next NewRecognizer or Knows starts it again, at
// most once a second at first, backing off to once every 30 s while it keeps
// ending within a minute of its start.
package remote

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/spotter"
)

// ErrProcessEnded is wrapped by the errors of recognizers whose process
// ended (crashed, killed, or closed): the recognizer is lost, not the
// stream's audio at fault, and a new one may be asked for.
var ErrProcessEnded = errors.New("recognizer process ended")

// ErrClosed is returned once the Engine is closed.
var ErrClosed = errors.New("recognizer process: engine closed")

// Options say how to start the recognizer process.
type Options struct {
	// Argv is the program and its arguments: a program that calls
	// Serve on the socket at ControlFD.
	Argv []string
	// Env is the process's environment; nil: this process's.
	Env []string
	// Stderr receives the process's standard error; nil: discarded.
	Stderr io.Writer
	// Spawn runs start, which forks the process, on a thread of the
	// caller's choosing (the process inherits that thread's scheduling
	// policy); nil: on the calling thread.
	Spawn func(start func() error) error
	// Log receives the process's starts and ends; nil: discarded.
	Log *slog.Logger
	// Ready is how long the process may take to load its model; default 2
	// minutes.
	Ready time.Duration
}

// Info is what the process says of its engine when it starts.
type Info struct {
	Name       string
	SampleRate int
	// Model is the model directory in use and Why how the engine was
	// chosen, for the log (free text).
	Model, Why string
}

const (
	minBackoff = time.Second
	maxBackoff = 30 * time.Second
	// stableUptime is how long a process must have run for its end to
	// reset the backoff.
	stableUptime = time.Minute
)

// Engine is a spotter.Engine whose recognizers run in the recognizer
// process. It is safe for concurrent use.
type Engine struct {
	o    Options
	info Info

	mu      sync.Mutex // the control socket and the process
	ctl     *net.UnixConn
	proc    *process
	closed  bool
	backoff time.Duration
	buf     []byte

	starts   atomic.Uint64
	ends     atomic.Uint64
	endedCPU atomic.Int64 // CPU time of the processes that ended, in ns
}

// process is one run of the recognizer process.
type process struct {
	cmd   *exec.Cmd
	start time.Time
	done  chan struct{} // closed when it has been waited for
	err   error         // its exit, once done
}

func (p *process) ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Start starts the recognizer process and waits until its model is
// loaded. The process's own error (a model that cannot be opened, say) is
// returned as it gave it.
func Start(o Options) (*Engine, error) {
	if len(o.Argv) == 0 {
		return nil, errors.New("recognizer process: no program to run")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Ready <= 0 {
		o.Ready = 2 * time.Minute
	}
	e := &Engine{o: o, backoff: minBackoff}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.startLocked(); err != nil {
		return nil, err
	}
	return e, nil
}

// startLocked starts a process and reads its hello.
func (e *Engine) startLocked() error {
	ctl, child, err := socketPair("recognizer control")
	if err != nil {
		return err
	}
	cmd := exec.Command(e.o.Argv[0], e.o.Argv[1:]...)
	cmd.Env = e.o.Env
	cmd.Stderr = e.o.Stderr
	cmd.ExtraFiles = []*os.File{child}
	start := func() error { return cmd.Start() }
	if e.o.Spawn != nil {
		err = e.o.Spawn(start)
	} else {
		err = start()
	}
	child.Close()
	if err != nil {
		ctl.Close()
		return fmt.Errorf("recognizer process: %w", err)
	}
	p := &process{cmd: cmd, start: time.Now(), done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		if st := cmd.ProcessState; st != nil {
			e.endedCPU.Add(int64(st.UserTime() + st.SystemTime()))
		}
		close(p.done)
	}()
	e.starts.Add(1)

	ctl.SetReadDeadline(time.Now().Add(e.o.Ready))
	msg, err := readMsg(ctl, make([]byte, maxMsg))
	ctl.SetReadDeadline(time.Time{})
	if err == nil && len(msg) > 0 && msg[0] == opRefuse {
		err = errors.New(string(msg[1:]))
	} else if err == nil && (len(msg) == 0 || msg[0] != opHello) {
		err = fmt.Errorf("recognizer process: hello expected, got %q", msg[:min(len(msg), 1)])
	}
	var info Info
	if err == nil {
		r := reader{b: msg[1:]}
		info.Name, info.SampleRate = r.str(), int(r.u32())
		info.Model, info.Why = r.str(), r.str()
		if r.err != nil {
			err = fmt.Errorf("recognizer process: hello: %w", r.err)
		}
	}
	if err != nil {
		ctl.Close()
		p.stop(5 * time.Second)
		if errors.Is(err, errEOF) || errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w before it was ready: %v", ErrProcessEnded, p.err)
		}
		return err
	}
	if e.info.Name != "" && (info.Name != e.info.Name || info.SampleRate != e.info.SampleRate) {
		ctl.Close()
		p.stop(5 * time.Second)
		return fmt.Errorf("recognizer process: restarted with engine %s at %d Hz, not %s at %d Hz", info.Name, info.SampleRate, e.info.Name, e.info.SampleRate)
	}
	e.info, e.ctl, e.proc = info, ctl, p
	e.o.Log.Info("recognizer process started", "pid", cmd.Process.Pid, "engine", info.Name, "model", info.Model)
	return nil
}

// stop waits for p to end once its control socket is closed, and kills it
// after wait.
func (p *process) stop(wait time.Duration) {
	select {
	case <-p.done:
	case <-time.After(wait):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// ensureLocked makes sure a process runs: once the last one has ended
// (its end is logged), a new one is started, after the backoff.
func (e *Engine) ensureLocked() error {
	if e.closed {
		return ErrClosed
	}
	p := e.proc
	if p != nil && !p.ended() {
		return nil
	}
	if p != nil {
		up := time.Since(p.start)
		e.o.Log.Error("recognizer process ended; its streams' recognizers are lost", "pid", p.cmd.Process.Pid, "err", exitText(p.err), "up", up.Round(time.Millisecond))
		e.ends.Add(1)
		e.ctl.Close()
		e.proc, e.ctl = nil, nil
		if up >= stableUptime {
			e.backoff = minBackoff
		}
		if wait := time.Until(p.start.Add(e.backoff)); wait > 0 {
			time.Sleep(wait)
		}
		e.backoff = min(2*e.backoff, maxBackoff)
	}
	return e.startLocked()
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// controlLocked sends msg (with rights, if any) on the control socket,
// starting the process again once if it has ended.
func (e *Engine) controlLocked(msg, rights []byte) error {
	for attempt := 0; ; attempt++ {
		if err := e.ensureLocked(); err != nil {
			return err
		}
		_, _, err := e.ctl.WriteMsgUnix(msg, rights, nil)
		if err == nil {
			return nil
		}
		if attempt > 0 {
			return fmt.Errorf("%w: %v", ErrProcessEnded, err)
		}
		// The process is ending: wait for it, then start another.
		e.proc.stop(5 * time.Second)
	}
}

// Name is the engine's name, as the process reported it.
func (e *Engine) Name() string { return e.info.Name }

// SampleRate is the rate the process's recognizers take.
func (e *Engine) SampleRate() int { return e.info.SampleRate }

// Info is what the process said of its engine at its first start.
func (e *Engine) Info() Info { return e.info }

// Knows asks the process whether the model knows word. An unanswered
// question (the process ended twice) counts as not known, and is logged.
func (e *Engine) Knows(word string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		e.buf = appendStr(append(e.buf[:0], opKnows), word)
		if err := e.controlLocked(e.buf, nil); err != nil {
			e.o.Log.Error("recognizer process: cannot ask for a word", "word", word, "err", err)
			return false
		}
		msg, err := readMsg(e.ctl, make([]byte, 16))
		if err == nil && len(msg) == 2 && msg[0] == opKnown {
			return msg[1] == 1
		}
		e.proc.stop(5 * time.Second)
	}
	e.o.Log.Error("recognizer process: no answer for a word", "word", word)
	return false
}

// NewRecognizer has the process make a recognizer for v, with a socket of
// its own. A process that ends as it is asked is started again, once.
func (e *Engine) NewRecognizer(v spotter.Vocabulary) (spotter.Recognizer, error) {
	for attempt := 0; ; attempt++ {
		r, p, err := e.newRecognizer(v)
		if err == nil || attempt > 0 || p == nil || !errors.Is(err, ErrProcessEnded) {
			return r, err
		}
		select { // the request was lost with the process: wait for its end
		case <-p.done:
		case <-time.After(2 * time.Second):
			return nil, err
		}
	}
}

func (e *Engine) newRecognizer(v spotter.Vocabulary) (spotter.Recognizer, *process, error) {
	c, child, err := socketPair("recognizer")
	if err != nil {
		return nil, nil, err
	}
	e.mu.Lock()
	e.buf = appendVocabulary(append(e.buf[:0], opNew), v)
	err = e.controlLocked(e.buf, unix.UnixRights(int(child.Fd())))
	p := e.proc
	e.mu.Unlock()
	child.Close()
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	r := &recognizer{c: c, proc: p, batch: max(1, e.info.SampleRate/10)}
	msg, err := r.read()
	defer r.release()
	if err == nil && (len(msg) == 0 || msg[0] != opMade) {
		err = fmt.Errorf("recognizer process: %q in reply to a new recognizer", msg[:min(len(msg), 1)])
	}
	if err != nil {
		c.Close()
		return nil, p, err
	}
	return r, p, nil
}

// Close ends the process (it ends once its control socket is closed;
// after 5 s it is killed). Recognizers still open fail from then on.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if e.proc == nil {
		return nil
	}
	e.ctl.Close()
	e.proc.stop(5 * time.Second)
	return nil
}

// Stats are counts of the recognizer process's life.
type Stats struct {
	Starts, Ends uint64 // processes started, ends noticed
	Running      bool
	PID          int // of the running process; 0 when none runs
	// CPU is the CPU time (user and system, all threads) the processes
	// took, those that ended and the running one: the recognizers'
	// making, decoding and freeing, and the model's loading.
	CPU time.Duration
}

// Stats says how often the process started and ended, whether one runs
// now, and the CPU time they took.
func (e *Engine) Stats() Stats {
	s := Stats{Starts: e.starts.Load(), Ends: e.ends.Load()}
	e.mu.Lock()
	if p := e.proc; p != nil && !p.ended() {
		s.Running, s.PID = true, p.cmd.Process.Pid
	}
	e.mu.Unlock()
	if s.Running {
		s.CPU = processCPU(s.PID)
	}
	s.CPU += time.Duration(e.endedCPU.Load())
	return s
}

// processCPU is the user and system time of process pid, all its threads,
// from /proc/PID/stat (fields 14 and 15, in USER_HZ ticks: 100 a second on
// Linux); 0 when it cannot be read.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	var ticks uint64
	for _, v := range f[11:13] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// recognizer is the parent's end of one recognizer. It is used by one
// goroutine at a time, as spotter.Recognizer says.
type recognizer struct {
	c    *net.UnixConn
	proc *process // that holds it
	in   *[]byte  // from readBufs while a reply is read and taken apart
	err  error    // sticky: the recognizer failed or ended

	batch int    // samples gathered before they are sent: 100 ms
	out   []byte // a 'W' message being gathered, or empty
}

// Lost reports whether the recognizer can no longer be used: it failed,
// was closed, or its process ended. A pool of recognizers asks, so as not
// to hand out dead ones.
func (r *recognizer) Lost() bool { return r.err != nil || r.proc == nil || r.proc.ended() }

// readBufs are the buffers replies are read into: a reply may take
// maxMsg, and is read every 500 ms of a stream's speech, so a buffer is
// lent for each instead of kept by every recognizer (and spare one).
var readBufs = sync.Pool{New: func() any { b := make([]byte, maxMsg); return &b }}

// read reads a reply into a buffer of readBufs, which release hands back
// once the reply has been taken apart.
func (r *recognizer) read() ([]byte, error) {
	if r.in == nil {
		r.in = readBufs.Get().(*[]byte)
	}
	msg, err := readMsg(r.c, *r.in)
	if err != nil {
		return nil, r.lost(err)
	}
	if msg[0] == opError {
		r.err = errors.New(string(msg[1:]))
		return nil, r.err
	}
	return msg, nil
}

func (r *recognizer) release() {
	if r.in != nil {
		readBufs.Put(r.in)
		r.in = nil
	}
}

// lost turns a socket error into the recognizer's error (kept, if it had
// one already): closed here, or ErrProcessEnded.
func (r *recognizer) lost(err error) error {
	if r.err != nil {
		return r.err
	}
	if errors.Is(err, net.ErrClosed) {
		r.err = errors.New("recognizer closed")
		return r.err
	}
	r.err = fmt.Errorf("%w: %v", ErrProcessEnded, err)
	return r.err
}

// send sends a message. The process closes a recognizer's socket only as
// it ends (a failed recognizer answers with its error instead), so a
// socket that cannot be written to means the process is gone.
func (r *recognizer) send(msg []byte) error {
	if r.err != nil {
		return r.err
	}
	if _, err := r.c.Write(msg); err != nil {
		return r.lost(err)
	}
	return nil
}

// Write gathers the audio and sends it once batch samples are waiting
// (or at the next Partial or Final): a message for each 20 ms packet woke
// the process fifty times a second for each stream.
func (r *recognizer) Write(pcm []int16) error {
	if r.err != nil {
		return r.err
	}
	for len(pcm) > 0 {
		if len(r.out) == 0 {
			r.out = append(r.out, opWrite)
		}
		n := min(len(pcm), maxSamples-(len(r.out)-1)/2)
		r.out = appendSamples(r.out, pcm[:n])
		pcm = pcm[n:]
		if (len(r.out)-1)/2 >= r.batch {
			if err := r.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush sends the audio gathered.
func (r *recognizer) flush() error {
	if len(r.out) == 0 {
		return r.err
	}
	err := r.send(r.out)
	r.out = r.out[:0]
	return err
}

func (r *recognizer) Partial(dst []spotter.Word) []spotter.Word {
	if r.flush() != nil || r.send([]byte{opPartial}) != nil {
		return dst
	}
	msg, err := r.read()
	defer r.release()
	if err != nil || msg[0] != opWords {
		return dst
	}
	rd := reader{b: msg[1:]}
	return rd.words(dst)
}

func (r *recognizer) Final(dst []spotter.Word) ([]spotter.Word, error) {
	if err := r.flush(); err != nil {
		return dst, err
	}
	if err := r.send([]byte{opFinal}); err != nil {
		return dst, err
	}
	msg, err := r.read()
	defer r.release()
	if err != nil {
		return dst, err
	}
	if msg[0] != opWords {
		return dst, fmt.Errorf("recognizer process: %q in reply to Final", msg[:1])
	}
	rd := reader{b: msg[1:]}
	dst = rd.words(dst)
	if rd.err != nil {
		return dst, fmt.Errorf("recognizer process: words: %w", rd.err)
	}
	return dst, nil
}

// Reset drops the audio gathered too.
func (r *recognizer) Reset() {
	r.out = r.out[:0]
	r.send([]byte{opReset})
}

func (r *recognizer) Close() error {
	if r.err == nil {
		r.err = errors.New("recognizer closed")
	}
	r.c.Close()
	return nil
}
