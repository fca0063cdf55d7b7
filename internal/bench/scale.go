package bench

import (
	"context"
	"time"
)

// ScalePoint is refresh latency with a number of refresh tokens stored.
type ScalePoint struct {
	// Wanted is the number of stored refresh tokens the point asked for.
	Wanted int64 `json:"wanted"`
	// Tokens is how many refresh tokens the store held when the point
	// started (seeded filler plus the families the point refreshes).
	Tokens      int64     `json:"tokens"`
	SeedSeconds float64   `json:"seed_seconds"`
	Store       StoreSize `json:"store"`
	Server      string    `json:"server"`
	Results     []Result  `json:"results"`
}

// measureScale refreshes on a server over the store in dir, which holds
// tokens refresh tokens.
func measureScale(ctx context.Context, o *Options, t *Target, wanted, tokens int64, seed time.Duration) (ScalePoint, error) {
	p := ScalePoint{Wanted: wanted, Tokens: tokens, SeedSeconds: seed.Seconds(), Server: t.Mode}
	var err error
	if p.Store, _, err = t.Size(ctx); err != nil {
		return p, err
	}
	e := &env{t: t, hc: setupClient(), pool: o.Pool}
	d, err := setupRefresh(ctx, e)
	if err != nil {
		return p, err
	}
	for _, n := range o.ScaleConns {
		r, err := Load(ctx, o.point(n), d.worker)
		if err != nil {
			return p, err
		}
		o.progress("  scale %d tokens, %d conns: %.0f/s p50 %s p99 %s errors %d", tokens, n, r.Throughput,
			ms(r.P50), ms(r.P99), r.Errors)
		p.Results = append(p.Results, r)
	}
	return p, nil
}
