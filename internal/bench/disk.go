package bench

import (
	"os"
	"time"
)

// DiskSync is how fast the disk under the data directories makes a small
// write durable: the ceiling of a store that syncs once per request.
type DiskSync struct {
	Writes  int           `json:"writes"`
	PerSec  float64       `json:"per_second"`
	Latency time.Duration `json:"latency_ns"`
}

// MeasureDiskSync writes 4 KiB and fsyncs it, over and over, in a
// temporary file in dir, for up to d or n writes.
func MeasureDiskSync(dir string, d time.Duration, n int) (DiskSync, error) {
	f, err := os.CreateTemp(dir, "ssooidc-bench-sync-")
	if err != nil {
		return DiskSync{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	t0 := time.Now()
	i := 0
	for ; i < n && time.Since(t0) < d; i++ {
		buf[0] = byte(i)
		if _, err := f.WriteAt(buf, int64(i%256)*4096); err != nil {
			return DiskSync{}, err
		}
		if err := f.Sync(); err != nil {
			return DiskSync{}, err
		}
	}
	el := time.Since(t0)
	return DiskSync{Writes: i, PerSec: float64(i) / el.Seconds(), Latency: el / time.Duration(max(i, 1))}, nil
}
