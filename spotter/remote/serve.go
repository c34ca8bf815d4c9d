package remote

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/spotter"
)

// Control is the recognizer process's end of its control socket, at
// ControlFD.
func Control() (*net.UnixConn, error) {
	c, err := fileConn(os.NewFile(ControlFD, "recognizer control"))
	if err != nil {
		return nil, fmt.Errorf("recognizer process: control socket (descriptor %d): %w", ControlFD, err)
	}
	return c, nil
}

// Refuse tells the parent that the engine could not be opened, and why;
// its Start returns the text of err.
func Refuse(ctl *net.UnixConn, err error) error {
	_, werr := ctl.Write(append([]byte{opRefuse}, err.Error()...))
	return werr
}

// ErrBusy is returned by Serve when recognizers were still decoding 4 s
// after the parent closed the control socket: the engine must not be
// closed under them (the process exits instead; the parent kills it after
// 5 s).
var ErrBusy = errors.New("recognizer process: recognizers still busy at the end")

// Serve says hello (info, with the engine's name and rate) and serves the
// parent's requests until it closes the control socket; then it closes the
// recognizers, waiting at most 4 s for those busy decoding, and returns
// nil, or ErrBusy. The engine is the caller's to close, once Serve returned
// nil.
func Serve(ctl *net.UnixConn, e spotter.Engine, info Info) (err error) {
	info.Name, info.SampleRate = e.Name(), e.SampleRate()
	hello := appendStr([]byte{opHello}, info.Name)
	hello = binary.LittleEndian.AppendUint32(hello, uint32(info.SampleRate))
	hello = appendStr(appendStr(hello, info.Model), info.Why)
	if _, err := ctl.Write(hello); err != nil {
		return fmt.Errorf("recognizer process: hello: %w", err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[*net.UnixConn]bool{}
	)
	defer func() {
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(4 * time.Second):
			if err == nil {
				err = ErrBusy
			}
		}
	}()
	buf := make([]byte, maxMsg)
	oob := make([]byte, unix.CmsgSpace(4))
	for {
		n, oobn, flags, _, err := ctl.ReadMsgUnix(buf, oob)
		if errors.Is(err, io.EOF) || err == nil && n == 0 {
			return nil // the parent closed: the end
		}
		if err != nil {
			return fmt.Errorf("recognizer process: control socket: %w", err)
		}
		if flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 {
			return errors.New("recognizer process: control message cut")
		}
		msg := buf[:n]
		switch msg[0] {
		case opKnows:
			r := reader{b: msg[1:]}
			w := r.str()
			known := byte(0)
			if r.err == nil && e.Knows(w) {
				known = 1
			}
			if _, err := ctl.Write([]byte{opKnown, known}); err != nil {
				return nil
			}
		case opNew:
			c, err := receivedConn(oob[:oobn])
			if err != nil {
				return fmt.Errorf("recognizer process: new recognizer: %w", err)
			}
			r := reader{b: msg[1:]}
			v := r.vocabulary()
			if r.err != nil {
				c.Write(append([]byte{opError}, "recognizer process: vocabulary: "+r.err.Error()...))
				c.Close()
				continue
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveRecognizer(c, e, v)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
		default:
			return fmt.Errorf("recognizer process: unknown request %q", msg[:1])
		}
	}
}

// receivedConn is the socket passed with a control message.
func receivedConn(oob []byte) (*net.UnixConn, error) {
	cms, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(cms) != 1 {
		return nil, fmt.Errorf("no socket passed (%v)", err)
	}
	fds, err := unix.ParseUnixRights(&cms[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("no socket passed (%v)", err)
	}
	unix.CloseOnExec(fds[0])
	return fileConn(os.NewFile(uintptr(fds[0]), "recognizer"))
}

// serveRecognizer makes a recognizer for v and runs the requests on c
// until the parent closes it. Once a Write fails, the recognizer is closed
// and every Partial and Final is answered with the error: closing the
// socket at once would lose the answer (a socket closed with requests
// unread resets the connection).
func serveRecognizer(c *net.UnixConn, e spotter.Engine, v spotter.Vocabulary) {
	reply := func(msg []byte) bool { _, err := c.Write(msg); return err == nil }
	rec, err := e.NewRecognizer(v)
	if err != nil {
		reply(append([]byte{opError}, err.Error()...))
		return
	}
	defer func() {
		if rec != nil {
			rec.Close()
		}
	}()
	if !reply([]byte{opMade}) {
		return
	}
	buf := make([]byte, maxMsg)
	var (
		pcm    []int16
		words  []spotter.Word
		out    []byte
		failed []byte // the 'e' answer, once a Write or Final failed
	)
	fail := func(err error) {
		failed = append([]byte{opError}, err.Error()...)
		rec.Close()
		rec = nil
	}
	for {
		msg, err := readMsg(c, buf)
		if err != nil {
			return // closed by the parent, or by Serve's end
		}
		op := msg[0]
		if failed == nil {
			switch op {
			case opWrite:
				pcm = samples(pcm, msg[1:])
				if err := rec.Write(pcm); err != nil {
					fail(err)
				}
			case opReset:
				rec.Reset()
			case opPartial:
				words = rec.Partial(words[:0])
			case opFinal:
				if words, err = rec.Final(words[:0]); err != nil {
					fail(err)
				}
			default:
				fail(fmt.Errorf("recognizer process: unknown request %q", msg[:1]))
				if !reply(failed) {
					return
				}
				continue
			}
		}
		if op != opPartial && op != opFinal {
			continue // no answer
		}
		answer := failed
		if answer == nil {
			out = appendWords(append(out[:0], opWords), words)
			answer = out
		}
		if !reply(answer) {
			return
		}
	}
}
