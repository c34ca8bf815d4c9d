package remote

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/spotter"
)

// The protocol. Every message is one SOCK_SEQPACKET packet whose first byte
// says what it is. On the control socket:
//
//	child → parent  'H' hello: name, sample rate, model, why; or 'E' error
//	parent → child  'K' word           child → parent 'k' 0|1
//	parent → child  'N' mode, phrases, with one end of a new socket pair
//
// On a recognizer's own socket (the end passed with 'N'):
//
//	child → parent  'o' made; or 'e' error (and the socket is closed)
//	parent → child  'W' samples        (no reply)
//	parent → child  'P'                child → parent 'w' words
//	parent → child  'F'                child → parent 'w' words, or 'e' error
//	                                   ('P' too, after a failure)
//	parent → child  'R'                (no reply)
//
// Audio is gathered into 'W' messages of 100 ms. Once a Write or Final
// fails, the recognizer is closed and every later 'P' and 'F' is answered
// with 'e'. Closing the socket closes the recognizer; closing the control
// socket ends the process.
const (
	opHello   = 'H'
	opRefuse  = 'E'
	opKnows   = 'K'
	opKnown   = 'k'
	opNew     = 'N'
	opMade    = 'o'
	opError   = 'e'
	opWrite   = 'W'
	opPartial = 'P'
	opFinal   = 'F'
	opReset   = 'R'
	opWords   = 'w'
)

// maxMsg is the largest message either side sends: a 'W' carries at most
// maxSamples. A words reply that would be larger is cut (see appendWords).
const (
	maxMsg     = 64 << 10
	maxSamples = (maxMsg - 1) / 2
)

// ControlFD is the descriptor the recognizer process finds its control
// socket on (the first of exec.Cmd's ExtraFiles).
const ControlFD = 3

// socketPair makes a connected SOCK_SEQPACKET pair: a's end as a conn of
// this process, b's as a file to hand on.
func socketPair(name string) (*net.UnixConn, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: socket pair: %w", name, err)
	}
	b := os.NewFile(uintptr(fds[1]), name)
	c, err := fileConn(os.NewFile(uintptr(fds[0]), name))
	if err != nil {
		b.Close()
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, b, nil
}

// fileConn makes a conn of a socket file, and closes the file (the conn
// has its own descriptor).
func fileConn(f *os.File) (*net.UnixConn, error) {
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("descriptor %d is a %T, not a unix socket", f.Fd(), c)
	}
	return uc, nil
}

// reader takes a message apart; the first error sticks.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("message too short")

func (r *reader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = errShort
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u16() int {
	if p := r.take(2); p != nil {
		return int(binary.LittleEndian.Uint16(p))
	}
	return 0
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (r *reader) str() string { return string(r.take(r.u16())) }

func appendStr(b []byte, s string) []byte {
	if len(s) > math.MaxUint16 {
		s = s[:math.MaxUint16]
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func appendVocabulary(b []byte, v spotter.Vocabulary) []byte {
	b = appendStr(b, string(v.Mode))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v.Phrases)))
	for _, p := range v.Phrases {
		b = appendStr(b, p)
	}
	return b
}

func (r *reader) vocabulary() spotter.Vocabulary {
	v := spotter.Vocabulary{Mode: spotter.Mode(r.str())}
	n := r.u32()
	if uint64(n) > uint64(len(r.b))/2 {
		r.err = errShort
		return v
	}
	v.Phrases = make([]string, 0, n)
	for range n {
		v.Phrases = append(v.Phrases, r.str())
	}
	return v
}

// wordSize is the most one word takes in a words reply, besides its text.
const wordSize = 2 + 3*8

// appendWords appends a words reply. Words that would not fit in maxMsg
// are left out, from the end (a partial hypothesis that long is not
// expected: the gate ends utterances at pauses).
func appendWords(b []byte, ws []spotter.Word) []byte {
	at := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0)
	n := 0
	for _, w := range ws {
		if len(b)+wordSize+len(w.Text) > maxMsg {
			break
		}
		b = appendStr(b, w.Text)
		b = binary.LittleEndian.AppendUint64(b, uint64(w.Start))
		b = binary.LittleEndian.AppendUint64(b, uint64(w.End))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(w.Confidence))
		n++
	}
	binary.LittleEndian.PutUint32(b[at:], uint32(n))
	return b
}

func (r *reader) words(dst []spotter.Word) []spotter.Word {
	n := r.u32()
	for range n {
		w := spotter.Word{Text: r.str()}
		w.Start = time.Duration(r.u64())
		w.End = time.Duration(r.u64())
		w.Confidence = math.Float64frombits(r.u64())
		if r.err != nil {
			break
		}
		dst = append(dst, w)
	}
	return dst
}

// appendSamples appends PCM as little-endian 16-bit samples.
func appendSamples(b []byte, pcm []int16) []byte {
	for _, s := range pcm {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}

// samples decodes little-endian 16-bit samples into dst[:0].
func samples(dst []int16, b []byte) []int16 {
	dst = dst[:0]
	for i := 0; i+1 < len(b); i += 2 {
		dst = append(dst, int16(binary.LittleEndian.Uint16(b[i:])))
	}
	return dst
}

// readMsg reads one message into buf; a message larger than buf is an
// error, not a silent cut.
func readMsg(c *net.UnixConn, buf []byte) ([]byte, error) {
	n, _, flags, _, err := c.ReadMsgUnix(buf, nil)
	if err != nil {
		return nil, err
	}
	if flags&unix.MSG_TRUNC != 0 {
		return nil, fmt.Errorf("message larger than %d bytes", len(buf))
	}
	if n == 0 {
		return nil, errEOF
	}
	return buf[:n], nil
}

// errEOF: the other side closed its end (a SOCK_SEQPACKET read of 0 bytes).
var errEOF = errors.New("connection closed")
