package device

import (
	"testing"
	"time"
)

// TestPacer: the first two polls are free, a poll before the interval
// gets slow_down and adds 5 s, a poll after the grown interval is on time,
// codes are paced apart, and expired codes are swept.
func TestPacer(t *testing.T) {
	var p pacer
	t0 := time.Unix(1_700_000_000, 0)
	a, b := []byte("aaaaaaaaaaaaaaaaaaaa"), []byte("bbbbbbbbbbbbbbbbbbbb")
	exp := t0.Add(10 * time.Minute)
	steps := []struct {
		code     []byte
		at       time.Duration
		slow     bool
		interval int
	}{
		{a, 0, false, 1},
		{a, 10 * time.Millisecond, false, 1},                            // the CLI's immediate second poll
		{a, 20 * time.Millisecond, true, 6},                             // too early: slow_down, interval 1+5
		{b, 30 * time.Millisecond, false, 1},                            // another code has its own pace
		{a, 1100 * time.Millisecond, true, 11},                          // 1 s is no longer enough
		{a, 12200 * time.Millisecond, false, 11},                        // 11 s later: on time
		{a, 12200*time.Millisecond + 10900*time.Millisecond, false, 11}, // 150 ms early is forgiven
	}
	for i, s := range steps {
		slow, interval := p.poll(s.code, t0.Add(s.at), exp, 1)
		if slow != s.slow || interval != s.interval {
			t.Errorf("step %d: slow %v interval %d, want %v %d", i, slow, interval, s.slow, s.interval)
		}
	}
	if n := p.len(); n != 2 {
		t.Fatalf("%d codes paced, want 2", n)
	}
	// After the codes expire the next poll of any code sweeps its shard;
	// poll every shard once.
	later := exp.Add(2 * paceSweep)
	for i := range paceShards {
		code := make([]byte, 16)
		code[0] = byte(i)
		p.poll(code, later, later.Add(time.Minute), 1)
	}
	if n := p.len(); n != paceShards {
		t.Errorf("%d codes paced after the first two expired, want %d", n, paceShards)
	}
}
