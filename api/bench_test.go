package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// BenchmarkSummary measures GET /api/v1/summary over 10,000 vendors.
func BenchmarkSummary(b *testing.B) {
	r := apitest.NewReader()
	vs := make([]upstat.Vendor, 10_000)
	for i := range vs {
		checked := testNow
		vs[i] = upstat.Vendor{VendorSummary: upstat.VendorSummary{
			ID: fmt.Sprintf("vendor-%d", i), Name: fmt.Sprintf("Vendor %d", i),
			Status: upstat.Severities[i%len(upstat.Severities)], LastCheckedAt: &checked, LastSuccessAt: &checked,
		}}
	}
	r.SetVendors(vs...)
	s, _ := newTestServer(b, r, nil)
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := do(h, http.MethodGet, "/api/v1/summary", nil)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkMetrics measures a /metrics scrape over 10,000 vendors of 46
// components each (the load run's 460,000), with and without the
// per-component series.
func BenchmarkMetrics(b *testing.B) {
	r := apitest.NewReader()
	vs := make([]upstat.Vendor, 10_000)
	for i := range vs {
		comps := make([]upstat.Component, 46)
		for j := range comps {
			comps[j] = upstat.Component{Name: fmt.Sprintf("Component %d", j), Status: upstat.Operational}
		}
		vs[i] = upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: fmt.Sprintf("vendor-%d", i), Name: fmt.Sprintf("Vendor %d", i)},
			Components: comps}
	}
	r.SetVendors(vs...)
	for _, tc := range []struct {
		name         string
		noComponents bool
	}{{"components", false}, {"no-components", true}} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := newTestServer(b, r, func(o *Options) { o.NoComponentMetrics = tc.noComponents })
			h := s.Handler()
			b.ReportAllocs()
			for b.Loop() {
				if rec := do(h, http.MethodGet, "/metrics", nil); rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
