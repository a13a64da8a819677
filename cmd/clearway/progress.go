package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clearway/clearway/internal/sqlite"
)

// progress shows a long command is working: on a terminal, one line
// rewritten in place; otherwise (a log, a pipe) a line every few seconds.
type progress struct {
	w        io.Writer
	tty      bool
	records  *atomic.Int64
	mu       sync.Mutex
	label    string // the file at hand
	shown    bool   // a terminal line is on screen
	done     chan struct{}
	finished sync.WaitGroup
}

// progressEvery is how often the line is redrawn (a terminal) or
// written (anything else).
var progressEvery = map[bool]time.Duration{true: 250 * time.Millisecond, false: 2 * time.Second}

func startProgress(w io.Writer, records *atomic.Int64) *progress {
	p := &progress{w: w, tty: isTerminal(w), records: records, done: make(chan struct{})}
	p.finished.Add(1)
	go p.run()
	return p
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) run() {
	defer p.finished.Done()
	t := time.NewTicker(progressEvery[p.tty])
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.show()
		}
	}
}

// starting names the file now being read.
func (p *progress) starting(i, n int, f sqlite.ReplayFile) {
	p.mu.Lock()
	p.label = fmt.Sprintf("file %d of %d (#%d %s)", i+1, n, f.ID, f.Name)
	p.mu.Unlock()
}

func (p *progress) show() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.label == "" {
		return
	}
	line := fmt.Sprintf("replay: %s · %s records read", p.label, thousands(p.records.Load()))
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// clear takes a terminal line off the screen before a result is printed.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

func (p *progress) stop() {
	close(p.done)
	p.finished.Wait()
	p.clear()
}

// thousands writes n with comma separators: 1,000,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
