package api

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// /metrics is valid text exposition, gzipped when asked, with label values
// that need escaping read back as written.
func TestMetricsExposition(t *testing.T) {
	r := apitest.NewReader()
	odd := "Acme \"Cloud\"\nEU \\ West"
	r.SetVendors(upstat.Vendor{
		VendorSummary: upstat.VendorSummary{ID: "acme", Name: odd, Status: upstat.Degraded, ActiveIncidents: 1},
		Components:    []upstat.Component{{Name: `Say "hi"`, Group: "Edge", Status: upstat.MajorOutage}},
	})
	s, _ := newTestServer(t, r, nil)
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			h := http.Header{}
			if gz {
				h.Set("Accept-Encoding", "gzip")
			}
			rec := do(s.Handler(), http.MethodGet, "/metrics", h)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET /metrics = %d", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != string(expfmt.NewFormat(expfmt.TypeTextPlain)) {
				t.Errorf("Content-Type = %q", got)
			}
			var body io.Reader = rec.Body
			if gz {
				if rec.Header().Get("Content-Encoding") != "gzip" {
					t.Fatalf("Content-Encoding = %q, want gzip", rec.Header().Get("Content-Encoding"))
				}
				zr, err := gzip.NewReader(rec.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = zr
			}
			p := expfmt.NewTextParser(model.UTF8Validation)
			mfs, err := p.TextToMetricFamilies(body)
			if err != nil {
				t.Fatalf("not valid text exposition: %v", err)
			}
			info := mfs["upstat_vendor_info"]
			if info == nil || len(info.Metric) != 1 {
				t.Fatalf("upstat_vendor_info: %v", info)
			}
			labels := map[string]string{}
			for _, l := range info.Metric[0].Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["name"] != odd || labels["vendor"] != "acme" {
				t.Errorf("upstat_vendor_info labels = %q", labels)
			}
			comp := mfs["upstat_component_status"]
			if comp == nil || len(comp.Metric) != 1 || comp.Metric[0].GetGauge().GetValue() != float64(upstat.MajorOutage) {
				t.Fatalf("upstat_component_status: %v", comp)
			}
			for _, l := range comp.Metric[0].Label {
				if l.GetName() == "component" && l.GetValue() != `Edge/Say "hi"` {
					t.Errorf("component label = %q", l.GetValue())
				}
			}
			for _, name := range []string{"upstat_vendor_status", "upstat_vendor_stale", "upstat_active_incidents", "upstat_source_warnings", "upstat_build_info"} {
				if mfs[name] == nil || mfs[name].GetType().String() != "GAUGE" {
					t.Errorf("%s missing or not a gauge: %v", name, mfs[name])
				}
			}
		})
	}
}

// A scrape at many vendors holds one vendor at a time: what it allocates
// does not grow with the component series.
func BenchmarkMetricsScrape(b *testing.B) {
	r := apitest.NewReader()
	var vs []upstat.Vendor
	for i := range 2000 {
		v := upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: fmt.Sprintf("vendor-%d", i), Name: fmt.Sprintf("Vendor %d", i)}}
		for c := range 50 {
			v.Components = append(v.Components, upstat.Component{Name: fmt.Sprintf("Component %d", c), Group: fmt.Sprintf("Region %d", c/20)})
		}
		vs = append(vs, v)
	}
	r.SetVendors(vs...)
	s, _ := newTestServer(b, r, nil)
	h := http.Header{"Accept-Encoding": {"gzip"}}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		rec := do(s.Handler(), http.MethodGet, "/metrics", h)
		n = rec.Body.Len()
	}
	b.ReportMetric(float64(n), "gzip-bytes")
}

// A reader that lists components gives the same series as one read vendor
// by vendor: the worse of two same-key components once, keys escaped.
func TestMetricsListedComponents(t *testing.T) {
	r := fixtureReader()
	vs, err := r.Vendors(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	vs[1].Components = append(vs[1].Components, upstat.Component{Name: "API", Status: upstat.Degraded},
		upstat.Component{Group: `Edge "EU"`, Name: "a\\b", Status: upstat.MajorOutage})
	r.SetVendors(vs...)
	series := func(rd upstat.Reader) []string {
		s, _ := newTestServer(t, rd, nil)
		rec := do(s.Handler(), http.MethodGet, "/metrics", nil)
		var out []string
		for line := range strings.Lines(rec.Body.String()) {
			if strings.HasPrefix(line, "upstat_component_status{") {
				out = append(out, line)
			}
		}
		slices.Sort(out)
		return out
	}
	read, listed := series(r), series(vendorLister{r})
	if len(read) == 0 || !slices.Equal(read, listed) {
		t.Errorf("listed components:\n%s\nread vendor by vendor:\n%s", strings.Join(listed, ""), strings.Join(read, ""))
	}
	if !slices.Contains(listed, `upstat_component_status{component="Edge \"EU\"/a\\b",vendor="stripe"} 4`+"\n") {
		t.Errorf("escaped key missing:\n%s", strings.Join(listed, ""))
	}
}
