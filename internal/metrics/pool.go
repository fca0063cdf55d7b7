package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PoolStats is a snapshot of a database connection pool (pgxpool.Stat's
// figures).
type PoolStats struct {
	AcquiredConns, IdleConns, TotalConns, MaxConns, ConstructingConns    int32
	AcquireCount, EmptyAcquireCount, CanceledAcquireCount, NewConnsCount int64
	AcquireDuration, EmptyAcquireWaitTime                                time.Duration
}

// WatchPool reports the pool f describes, read at each scrape, as
// postgres_pool_* metrics.
func (m *Metrics) WatchPool(f func() PoolStats) {
	m.reg.MustRegister(&poolCollector{stat: f})
}

type poolMetric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(PoolStats) float64
}

var poolMetrics = []poolMetric{
	gauge("acquired_conns", "Connections in use.", func(s PoolStats) float64 { return float64(s.AcquiredConns) }),
	gauge("idle_conns", "Connections open and idle.", func(s PoolStats) float64 { return float64(s.IdleConns) }),
	gauge("total_conns", "Connections open (acquired, idle and being opened).", func(s PoolStats) float64 { return float64(s.TotalConns) }),
	gauge("max_conns", "The pool's cap.", func(s PoolStats) float64 { return float64(s.MaxConns) }),
	gauge("constructing_conns", "Connections being opened.", func(s PoolStats) float64 { return float64(s.ConstructingConns) }),
	counter("acquires_total", "Connections handed out.", func(s PoolStats) float64 { return float64(s.AcquireCount) }),
	counter("empty_acquires_total", "Acquires that had to wait because no connection was idle.", func(s PoolStats) float64 { return float64(s.EmptyAcquireCount) }),
	counter("canceled_acquires_total", "Acquires given up (the request's context ended) before a connection came.", func(s PoolStats) float64 { return float64(s.CanceledAcquireCount) }),
	counter("new_conns_total", "Connections opened.", func(s PoolStats) float64 { return float64(s.NewConnsCount) }),
	counter("acquire_seconds_total", "Time spent acquiring connections.", func(s PoolStats) float64 { return s.AcquireDuration.Seconds() }),
	counter("empty_acquire_wait_seconds_total", "Time spent waiting for a connection when none was idle.", func(s PoolStats) float64 { return s.EmptyAcquireWaitTime.Seconds() }),
}

func gauge(name, help string, v func(PoolStats) float64) poolMetric {
	return poolMetric{desc: poolDesc(name, help), kind: prometheus.GaugeValue, value: v}
}

func counter(name, help string, v func(PoolStats) float64) poolMetric {
	return poolMetric{desc: poolDesc(name, help), kind: prometheus.CounterValue, value: v}
}

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "postgres_pool", name), "PostgreSQL pool: "+help, nil, nil)
}

type poolCollector struct{ stat func() PoolStats }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, p := range poolMetrics {
		ch <- p.desc
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stat()
	for _, p := range poolMetrics {
		ch <- prometheus.MustNewConstMetric(p.desc, p.kind, p.value(s))
	}
}
