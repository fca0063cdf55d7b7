package login

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// lockPath takes an exclusive lock on the file at path (created if
// missing), polling until it is free or ctx ends. flock(2) locks (and
// LockFileEx on Windows) belong to the open file, so they also exclude
// other goroutines of this process, and the kernel releases them when a
// process dies: a crashed login never leaves a stale lock. The lock file
// is never removed (removing a lock file races with a waiter that opened
// it); it holds "<pid> <purpose>" while locked.
func lockPath(ctx context.Context, path, purpose string, onWait func(holder string)) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	wait := 5 * time.Millisecond
	notified := false
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if ok {
			break
		}
		if !notified && onWait != nil {
			notified = true
			b, _ := os.ReadFile(path)
			onWait(holderOf(string(b)))
		}
		// Jitter keeps many waiters from polling in step.
		d := wait/2 + rand.N(wait)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("%d %s\n", os.Getpid(), purpose)), 0)
	return func() {
		_ = f.Truncate(0)
		_ = unlock(f)
		f.Close()
	}, nil
}
