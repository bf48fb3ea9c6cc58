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
