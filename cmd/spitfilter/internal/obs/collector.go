package obs

import (
	"github.com/prometheus/client_golang/prometheus"
)

// CollectorConfig says what a Collector reads.
type CollectorConfig struct {
	// Source is the daemon's counters. Required.
	Source Source
	// Queues are the NFQUEUE numbers whose kernel counters are exported
	// (the config's queue range). None: no kernel counters.
	Queues []uint16
	// ProcPath is the file the kernel counters are read from. Default
	// DefaultProcPath; tests point it elsewhere.
	ProcPath string
}

// Collector is a prometheus.Collector that reads a Source and the kernel's
// NFQUEUE counters at each scrape. Register it with the daemon's registry:
//
//	reg := prometheus.NewRegistry()
//	c, err := obs.NewCollector(obs.CollectorConfig{Source: d, Queues: qs})
//	reg.MustRegister(c)
//
// It is safe for concurrent scrapes.
type Collector struct {
	cfg CollectorConfig
}

// NewCollector checks cfg and returns its Collector. A missing Source is an
// error wrapping ErrConfig.
func NewCollector(cfg CollectorConfig) (*Collector, error) {
	panic("todo")
}

// Describe sends the descriptors of every metric the Collector exports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {}

// Collect reads the Source and the kernel counters and sends the metrics.
// When the kernel file cannot be read or parsed, the queues are reported
// unbound and the error is sent as an invalid metric, which the /metrics
// handler of Serve logs and skips.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {}
