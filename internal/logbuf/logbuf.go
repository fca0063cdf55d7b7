// Package logbuf batches a log's lines into fewer writes.
//
// A server that logs one line per audit event (and, with --access-log, one
// per request) pays a write(2) for each: measured, 10 to 15 µs of CPU a
// line, a tenth of a small write's cost. A Writer keeps the lines in
// memory and writes them together, at most Delay after the first of them
// or as soon as MaxBuffer bytes wait, and at Flush and Close. Each Write
// is kept whole and in order.
//
// What a crash costs: the lines of the last Delay (10 ms by default) that
// were not yet written. An audit event's line is a copy: the event itself
// is stored in the same transaction as its change (internal/audit), so the
// trail in the store loses nothing.
package logbuf

import (
	"io"
	"sync"
	"time"
)

// DefaultDelay is how long a line may wait for others.
const DefaultDelay = 10 * time.Millisecond

// MaxBuffer is how many bytes make a Writer write at once.
const MaxBuffer = 64 << 10

// Writer is an io.Writer that batches writes to another. It is safe for
// concurrent use.
type Writer struct {
	w     io.Writer
	delay time.Duration

	out sync.Mutex // held while writing to w: batches go out in order

	mu     sync.Mutex
	buf    []byte
	spare  []byte
	timer  *time.Timer
	armed  bool
	closed bool
	err    error // the first error of w, returned by later calls
}

// New returns a Writer that writes to w at most delay after a line
// arrives (DefaultDelay if delay <= 0).
func New(w io.Writer, delay time.Duration) *Writer {
	if delay <= 0 {
		delay = DefaultDelay
	}
	b := &Writer{w: w, delay: delay}
	b.timer = time.AfterFunc(time.Hour, func() { _ = b.flush(true) })
	b.timer.Stop()
	return b
}

// Write keeps p to be written with the others. After Close it writes p
// through at once.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.out.Lock()
		defer b.out.Unlock()
		return b.w.Write(p)
	}
	if b.err != nil {
		err := b.err
		b.mu.Unlock()
		return 0, err
	}
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= MaxBuffer
	if !full && !b.armed {
		b.armed = true
		b.timer.Reset(b.delay)
	}
	b.mu.Unlock()
	if full {
		if err := b.flush(false); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what waits.
func (b *Writer) Flush() error { return b.flush(false) }

// Close writes what waits; later writes go straight through.
func (b *Writer) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.timer.Stop()
	return b.flush(false)
}

func (b *Writer) flush(fromTimer bool) error {
	b.out.Lock()
	defer b.out.Unlock()
	b.mu.Lock()
	if fromTimer {
		b.armed = false
	}
	batch := b.buf
	b.buf = b.spare[:0]
	b.spare = nil
	err := b.err
	b.mu.Unlock()
	if err != nil || len(batch) == 0 {
		b.giveBack(batch)
		return err
	}
	if _, err = b.w.Write(batch); err != nil {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	b.giveBack(batch)
	return err
}

// giveBack keeps a written batch's memory for the next one, unless it
// grew large.
func (b *Writer) giveBack(batch []byte) {
	if cap(batch) > 4*MaxBuffer {
		return
	}
	b.mu.Lock()
	if b.spare == nil {
		b.spare = batch[:0]
	}
	b.mu.Unlock()
}
