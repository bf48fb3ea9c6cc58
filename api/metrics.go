package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/version"
)

// collectTimeout bounds the Reader call of one scrape.
const collectTimeout = 10 * time.Second

// collector exports every vendor's state at scrape time, read fresh from
// the Reader, so the metrics never lag behind the API.
type collector struct {
	reader     upstat.Reader
	log        *slog.Logger
	components bool // export upstat_component_status

	vendorStatus    *prometheus.Desc
	componentStatus *prometheus.Desc
	vendorStale     *prometheus.Desc
	activeIncidents *prometheus.Desc
	vendorInfo      *prometheus.Desc
	sourceWarnings  *prometheus.Desc
}

var _ prometheus.Collector = (*collector)(nil)

// newCollector builds the vendor collector over r, with a series per
// component when components is set.
func newCollector(r upstat.Reader, log *slog.Logger, components bool) *collector {
	return &collector{
		reader:     r,
		log:        log,
		components: components,
		vendorStatus: prometheus.NewDesc("upstat_vendor_status",
			"Vendor status: 0 operational, 1 maintenance, 2 degraded, 3 partial_outage, 4 major_outage, -1 unknown.",
			[]string{"vendor"}, nil),
		componentStatus: prometheus.NewDesc("upstat_component_status",
			"Component status on the upstat_vendor_status scale; component is \"Group/Name\" for grouped components.",
			[]string{"vendor", "component"}, nil),
		vendorStale: prometheus.NewDesc("upstat_vendor_stale",
			"1 when the vendor's sources have failed longer than the staleness window, else 0.",
			[]string{"vendor"}, nil),
		activeIncidents: prometheus.NewDesc("upstat_active_incidents",
			"Number of the vendor's active (unresolved) incidents.",
			[]string{"vendor"}, nil),
		vendorInfo: prometheus.NewDesc("upstat_vendor_info",
			"Always 1; carries the vendor's display name.",
			[]string{"vendor", "name"}, nil),
		sourceWarnings: prometheus.NewDesc("upstat_source_warnings",
			"Number of warnings of the vendor's sources: what their last snapshots could not read (an unrecognised status word).",
			[]string{"vendor"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.vendorStatus, c.vendorStale, c.activeIncidents, c.vendorInfo, c.sourceWarnings} {
		ch <- d
	}
	if c.components {
		ch <- c.componentStatus
	}
}

// Collect implements prometheus.Collector. A Reader failure is reported as
// an invalid metric (the scrape shows the error; other collectors' metrics
// are still served).
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	if !c.components {
		// The summary is all the vendor series need, and far cheaper
		// than whole vendors.
		vs, err := c.reader.Summary(ctx)
		if err != nil {
			c.fail(ch, err)
			return
		}
		for i := range vs {
			c.vendor(ch, &vs[i])
		}
		return
	}
	vs, err := c.reader.Vendors(ctx)
	if err != nil {
		c.fail(ch, err)
		return
	}
	// Two components with the same key would make the scrape fail:
	// export the worse of them once. The map is reused across vendors.
	worst := map[string]upstat.Severity{}
	var order []string
	for i := range vs {
		v := &vs[i]
		c.vendor(ch, &v.VendorSummary)
		clear(worst)
		order = order[:0]
		for _, comp := range v.Components {
			k := comp.Key()
			prev, seen := worst[k]
			if !seen {
				order = append(order, k)
				prev = upstat.Unknown
			}
			worst[k] = upstat.Worse(prev, comp.Status)
		}
		for _, k := range order {
			gauge(ch, c.componentStatus, float64(worst[k]), v.ID, k)
		}
	}
}

// vendor sends the vendor series of v.
func (c *collector) vendor(ch chan<- prometheus.Metric, v *upstat.VendorSummary) {
	gauge(ch, c.vendorStatus, float64(v.Status), v.ID)
	gauge(ch, c.vendorStale, boolFloat(v.Stale), v.ID)
	gauge(ch, c.activeIncidents, float64(v.ActiveIncidents), v.ID)
	gauge(ch, c.vendorInfo, 1, v.ID, v.Name)
	gauge(ch, c.sourceWarnings, float64(v.Warnings), v.ID)
}

// fail reports a Reader failure as an invalid metric.
func (c *collector) fail(ch chan<- prometheus.Metric, err error) {
	c.log.Error("api: collect vendor metrics", "err", err)
	ch <- prometheus.NewInvalidMetric(c.vendorStatus, err)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// boolFloat is 1 for true, 0 for false.
func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// buildInfo is the gauge upstat_build_info: always 1, labelled with what
// the binary's build information says (see package version).
func buildInfo(in version.Info) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "upstat_build_info",
		Help:        "Always 1; the binary's module version, VCS revision (\"\" when unknown) and Go version.",
		ConstLabels: prometheus.Labels{"version": in.Version, "revision": in.Revision, "goversion": in.GoVersion},
	})
	g.Set(1)
	return g
}
