package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress draws a progress bar on stderr for large captures read from a
// terminal session. Time here is only for redrawing, never for analysis.
type progress struct {
	w     io.Writer
	name  string
	size  int64
	on    bool
	drawn bool
	last  time.Time
}

// progressMin is the capture size from which "auto" shows a bar.
const progressMin = 32 << 20

func newProgress(w io.Writer, name string, size int64, mode string) *progress {
	p := &progress{w: w, name: name, size: size}
	switch mode {
	case "always":
		p.on = true
	case "auto":
		f, ok := w.(*os.File)
		if ok && size >= progressMin {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				p.on = true
			}
		}
	}
	return p
}

func (p *progress) update(offset int64) {
	if !p.on || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.drawn = true
	if p.size <= 0 {
		fmt.Fprintf(p.w, "\r%s: %d MiB read", p.name, offset>>20)
		return
	}
	frac := float64(offset) / float64(p.size)
	frac = min(max(frac, 0), 1)
	const width = 30
	n := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		if i < n {
			bar[i] = '#'
		} else {
			bar[i] = '.'
		}
	}
	fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% %d/%d MiB", p.name, bar, frac*100, offset>>20, p.size>>20)
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
