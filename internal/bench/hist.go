package bench

import (
	"math/bits"
	"time"
)

// Histogram records durations in fixed memory with a relative error below
// 1/128 (HDR-style log-linear buckets): values below 256 ns are exact;
// above, each power of two is split into 128 buckets. Durations above
// about 18 minutes land in the last bucket; the exact maximum is kept
// apart. The zero value is ready to use. It is not safe for concurrent
// use: each worker keeps its own and they are merged at the end.
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

const (
	histSubBits = 7
	histSub     = 1 << histSubBits // buckets per power of two
	histMaxLen  = 40               // values up to 2^40 ns (18 minutes)
	histBuckets = (histMaxLen-histSubBits)*histSub + histSub
)

// bucket returns the index of v (nanoseconds).
func bucket(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	shift := bits.Len64(v) - (histSubBits + 1)
	i := (shift+1)*histSub + int(v>>uint(shift)) - histSub
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// upper returns the largest value that falls in bucket i.
func upper(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	shift := i/histSub - 1
	mant := uint64(i%histSub + histSub)
	return (mant+1)<<uint(shift) - 1
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds every value of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest duration recorded (exact).
func (h *Histogram) Max() time.Duration { return h.max }

// Mean returns the mean duration.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the q-quantile (0 < q <= 1): the upper edge of the
// bucket holding the ceil(q*n)-th smallest value, never above the maximum.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := time.Duration(upper(i))
			if v > h.max {
				v = h.max
			}
			if v < h.min {
				v = h.min
			}
			return v
		}
	}
	return h.max
}
