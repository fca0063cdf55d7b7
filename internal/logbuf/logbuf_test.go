package logbuf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink records each write it gets and tells a channel.
type sink struct {
	mu     sync.Mutex
	writes []string
	wrote  chan struct{}
	err    error
}

func newSink() *sink { return &sink{wrote: make(chan struct{}, 1024)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	s.writes = append(s.writes, string(p))
	s.wrote <- struct{}{}
	return len(p), nil
}

func (s *sink) all() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.writes, ""), len(s.writes)
}

func TestLinesWaitThenGoTogether(t *testing.T) {
	s := newSink()
	w := New(s, time.Hour) // only Flush and the size send them
	for i := 0; i < 100; i++ {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if got, n := s.all(); n != 0 {
		t.Fatalf("written before a flush: %d writes %q", n, got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, n := s.all()
	if n != 1 {
		t.Errorf("%d writes, want 1", n)
	}
	var want strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	if got != want.String() {
		t.Errorf("got %q", got)
	}
}

func TestDelaySendsALineAlone(t *testing.T) {
	s := newSink()
	w := New(s, 5*time.Millisecond)
	start := time.Now()
	w.Write([]byte("one\n"))
	select {
	case <-s.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("a lone line was never written")
	}
	if got, _ := s.all(); got != "one\n" {
		t.Errorf("got %q", got)
	}
	if d := time.Since(start); d < 5*time.Millisecond {
		t.Errorf("written after %v, before the delay", d)
	}
	// The timer re-arms for the next line.
	w.Write([]byte("two\n"))
	select {
	case <-s.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the second line was never written")
	}
	if got, n := s.all(); got != "one\ntwo\n" || n != 2 {
		t.Errorf("got %q in %d writes", got, n)
	}
}

func TestFullBufferWritesAtOnce(t *testing.T) {
	s := newSink()
	w := New(s, time.Hour)
	line := bytes.Repeat([]byte("x"), 1023)
	line = append(line, '\n')
	for i := 0; i < MaxBuffer/len(line); i++ {
		w.Write(line)
	}
	if _, n := s.all(); n != 1 {
		t.Fatalf("%d writes after %d bytes, want 1", n, MaxBuffer)
	}
}

func TestConcurrentWritesStayWholeAndInOrderPerWriter(t *testing.T) {
	s := newSink()
	w := New(s, time.Millisecond)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				fmt.Fprintf(w, "g%d %04d %s\n", g, i, strings.Repeat("y", 100))
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := s.all()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 8*500 {
		t.Fatalf("%d lines, want %d", len(lines), 8*500)
	}
	next := map[string]int{}
	for _, l := range lines {
		var g string
		var i int
		if _, err := fmt.Sscanf(l, "%s %d", &g, &i); err != nil || len(l) != len(g)+6+100 {
			t.Fatalf("torn line %q", l)
		}
		if i != next[g] {
			t.Fatalf("%s: line %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
}

func TestCloseThenWriteThrough(t *testing.T) {
	s := newSink()
	w := New(s, time.Hour)
	w.Write([]byte("before\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("after\n"))
	if got, n := s.all(); got != "before\nafter\n" || n != 2 {
		t.Errorf("got %q in %d writes", got, n)
	}
}

func TestAWriteErrorIsKept(t *testing.T) {
	s := newSink()
	s.err = errors.New("disk full")
	w := New(s, time.Hour)
	w.Write([]byte("lost\n"))
	if err := w.Flush(); err == nil || err.Error() != "disk full" {
		t.Fatalf("Flush: %v", err)
	}
	if _, err := w.Write([]byte("more\n")); err == nil {
		t.Error("a write after a failed flush succeeded")
	}
}
