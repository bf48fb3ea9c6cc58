package api

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/version"
)

// collectTimeout bounds the Reader call of one scrape.
const collectTimeout = 10 * time.Second

// vendorMetrics writes every vendor's series at scrape time, read fresh
// from the Reader, so the metrics never lag behind the API. They are
// written straight to the response in the text format rather than through
// a prometheus.Collector: at 10,000 vendors the component series are
// ~400,000, and as client_golang metrics one scrape allocated ~200 MB and
// took seconds; streamed, a scrape holds one vendor at a time.
type vendorMetrics struct {
	reader     upstat.Reader
	components bool // export upstat_component_status
}

// metricFamily is one vendor family: its name, help, and how to write a
// vendor's series of it.
type metricFamily struct {
	name, help string
	write      func(m *metricWriter, v *upstat.Vendor)
}

// vendorFamilies are the per-vendor families, in the order written.
var vendorFamilies = []metricFamily{
	{"upstat_vendor_status", "Vendor status: 0 operational, 1 maintenance, 2 degraded, 3 partial_outage, 4 major_outage, -1 unknown.",
		func(m *metricWriter, v *upstat.Vendor) {
			m.series("upstat_vendor_status", float64(v.Status), "vendor", v.ID)
		}},
	{"upstat_vendor_stale", "1 when the vendor's sources have failed longer than the staleness window, else 0.",
		func(m *metricWriter, v *upstat.Vendor) {
			m.series("upstat_vendor_stale", boolFloat(v.Stale), "vendor", v.ID)
		}},
	{"upstat_active_incidents", "Number of the vendor's active (unresolved) incidents.",
		func(m *metricWriter, v *upstat.Vendor) {
			m.series("upstat_active_incidents", float64(v.ActiveIncidents), "vendor", v.ID)
		}},
	{"upstat_vendor_info", "Always 1; carries the vendor's display name.",
		func(m *metricWriter, v *upstat.Vendor) {
			m.series("upstat_vendor_info", 1, "name", v.Name, "vendor", v.ID)
		}},
	{"upstat_source_warnings", "Number of warnings of the vendor's sources: what their last snapshots could not read (an unrecognised status word).",
		func(m *metricWriter, v *upstat.Vendor) {
			m.series("upstat_source_warnings", float64(v.Warnings), "vendor", v.ID)
		}},
}

// componentFamily is upstat_component_status, written by
// listedComponents.
var componentFamily = metricFamily{name: "upstat_component_status",
	help: "Component status on the upstat_vendor_status scale; component is \"Group/Name\" for grouped components."}

// write writes the vendor families in the text exposition format. A
// Reader failure writes nothing and is returned (the other metrics are
// still served).
func (c *vendorMetrics) write(ctx context.Context, w *bufio.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, collectTimeout)
	defer cancel()
	// The summary is all the vendor families need; the components are
	// read one vendor at a time, so a scrape never holds every vendor's
	// components at once (~30 MB at 10,000 vendors).
	sums, err := c.reader.Summary(ctx)
	if err != nil {
		return err
	}
	m := &metricWriter{w: w, pairWorst: map[componentPair]upstat.Severity{}}
	var v upstat.Vendor
	for _, f := range vendorFamilies {
		m.header(f.name, f.help)
		for i := range sums {
			v.VendorSummary = sums[i]
			f.write(m, &v)
		}
	}
	if !c.components {
		return nil
	}
	m.header(componentFamily.name, componentFamily.help)
	lister, ok := c.reader.(componentLister)
	if !ok {
		lister = vendorLister{c.reader}
	}
	for i := range sums {
		err := m.listedComponents(ctx, lister, sums[i].ID)
		if err != nil && !errors.Is(err, upstat.ErrNotFound) { // removed by a reload since the summary was read
			return err
		}
	}
	return nil
}

// componentLister is a Reader that lists a vendor's components without
// copying them (the aggregator does): a scrape then allocates next to
// nothing per component, where building each vendor allocated ~40 MB in
// half a second at 10,000 vendors.
type componentLister interface {
	EachComponent(ctx context.Context, vendor string, fn func(group, name string, status upstat.Severity)) error
}

// vendorLister lists components through Vendor, one vendor (copied) at
// a time, for a Reader that cannot list them in place.
type vendorLister struct{ upstat.Reader }

// EachComponent implements componentLister.
func (r vendorLister) EachComponent(ctx context.Context, id string, fn func(group, name string, status upstat.Severity)) error {
	v, err := r.Vendor(ctx, id)
	if err != nil {
		return err
	}
	for _, c := range v.Components {
		fn(c.Group, c.Name, c.Status)
	}
	return nil
}

// componentPair is a component's key as two strings (no concatenation).
type componentPair struct{ group, name string }

// listedComponents writes vendor's upstat_component_status series from
// l: the worse status once for two components with the same key (the
// same series twice would make the scrape fail).
func (m *metricWriter) listedComponents(ctx context.Context, l componentLister, vendor string) error {
	clear(m.pairWorst)
	m.pairs = m.pairs[:0]
	err := l.EachComponent(ctx, vendor, func(group, name string, status upstat.Severity) {
		k := componentPair{group, name}
		prev, seen := m.pairWorst[k]
		if !seen {
			m.pairs = append(m.pairs, k)
			prev = upstat.Unknown
		}
		m.pairWorst[k] = upstat.Worse(prev, status)
	})
	if err != nil {
		return err
	}
	for _, k := range m.pairs {
		m.w.WriteString(`upstat_component_status{component="`)
		if k.group != "" {
			labelEscaper.WriteString(m.w, k.group)
			m.w.WriteByte('/')
		}
		labelEscaper.WriteString(m.w, k.name)
		m.w.WriteString(`",vendor="`)
		labelEscaper.WriteString(m.w, vendor)
		m.w.WriteString(`"} `)
		m.num = strconv.AppendFloat(m.num[:0], float64(m.pairWorst[k]), 'g', -1, 64)
		m.w.Write(m.num)
		m.w.WriteByte('\n')
	}
	return nil
}

// metricWriter writes gauge series in the text exposition format
// (version 0.0.4), labels given in name order as client_golang sorts them.
type metricWriter struct {
	w   *bufio.Writer
	num []byte
	// pairWorst and pairs are listedComponents' scratch.
	pairWorst map[componentPair]upstat.Severity
	pairs     []componentPair
}

func (m *metricWriter) header(name, help string) {
	m.w.WriteString("# HELP " + name + " ")
	helpEscaper.WriteString(m.w, help)
	m.w.WriteString("\n# TYPE " + name + " gauge\n")
}

// series writes one line: name{k="v",...} value.
func (m *metricWriter) series(name string, value float64, labels ...string) {
	m.w.WriteString(name)
	for i := 0; i+1 < len(labels); i += 2 {
		if i == 0 {
			m.w.WriteByte('{')
		} else {
			m.w.WriteByte(',')
		}
		m.w.WriteString(labels[i])
		m.w.WriteString(`="`)
		labelEscaper.WriteString(m.w, labels[i+1])
		m.w.WriteByte('"')
	}
	if len(labels) > 0 {
		m.w.WriteByte('}')
	}
	m.w.WriteByte(' ')
	m.num = strconv.AppendFloat(m.num[:0], value, 'g', -1, 64)
	m.w.Write(m.num)
	m.w.WriteByte('\n')
}

// The text format escapes backslash and newline in help, and also the
// double quote in label values.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

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

// handleMetrics serves /metrics in the text format: the registry's
// metrics, then the vendor families streamed (gzipped when the scraper
// accepts it). A failing registry collector or Reader is logged and the
// rest is still served, as promhttp's ContinueOnError does.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	mfs, err := s.opt.Registry.Gather()
	if err != nil {
		s.log.Error("api: gather metrics", "err", err)
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	w.Header().Set("Content-Type", string(format))
	var out io.Writer = w
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		defer gz.Close()
		out = gz
	}
	bw := bufio.NewWriterSize(out, 32<<10)
	defer bw.Flush()
	enc := expfmt.NewEncoder(bw, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			s.log.Error("api: encode metrics", "err", err)
			return
		}
	}
	if err := s.vendors.write(r.Context(), bw); err != nil {
		s.log.Error("api: collect vendor metrics", "err", err)
	}
}

// acceptsGzip reports whether r's Accept-Encoding admits gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0" {
			return true
		}
	}
	return false
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
