package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// fakeReports answers a fixed report for github (err, when set, for
// every call).
type fakeReports struct{ err error }

func (f fakeReports) VendorReport(_ context.Context, id string, from, to time.Time) (*upstat.Report, error) {
	if f.err != nil {
		return nil, f.err
	}
	if id != "github" {
		return nil, fmt.Errorf("fake: vendor %q: %w", id, upstat.ErrNotFound)
	}
	ratio := 0.99
	u := upstat.ReportUptime{Percent: "99%", Ratio: &ratio, Seconds: upstat.ReportSeconds{Window: 86400, Measured: 86400,
		Operational: 85536, Major: 864}}
	return &upstat.Report{Vendor: "github", Name: "GitHub", From: from, To: to, GeneratedAt: testNow,
		Subjects: []upstat.ReportSubject{
			{Component: "", Total: u, Days: []upstat.ReportDay{{Date: from.Format(time.DateOnly), Worst: upstat.MajorOutage, Uptime: u, Incidents: []string{"github:abc123"}}}},
			{Component: "=HYPERLINK(\"x\")", Total: upstat.ReportUptime{NoData: true, Percent: "no data"}, Days: []upstat.ReportDay{}},
		},
		Incidents: []upstat.Incident{},
		Gaps:      []upstat.ReportGap{{From: from, To: from.Add(time.Hour), Reason: "before upstat first read the vendor"}}}, nil
}

func TestReportWindow(t *testing.T) {
	now := time.Date(2024, 5, 2, 15, 0, 0, 0, time.UTC)
	from, to, err := ReportWindow("", "", now)
	if err != nil || !from.Equal(time.Date(2024, 4, 3, 0, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("default window %s..%s (%v), want the 30 days ending today", from, to, err)
	}
	from, to, err = ReportWindow("2024-04-01", "2024-04-30", now)
	if err != nil || to.Sub(from) != 30*24*time.Hour {
		t.Errorf("April: %s..%s (%v)", from, to, err)
	}
	if _, _, err := ReportWindow("2024-04-02", "2024-04-01", now); err == nil || !strings.Contains(err.Error(), `"to"`) {
		t.Errorf("reversed: %v", err)
	}
}

func TestReportCSV(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.Reports = fakeReports{} })
	rec := do(s.Handler(), http.MethodGet, "/api/v1/vendors/github/report?from=2024-04-01&to=2024-04-01&format=csv", nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	for _, want := range []string{
		"vendor,component,date,worst,uptime,window_s",
		"github,,2024-04-01,major_outage,99%,86400,86400,85536,0,0,864,0,0,github:abc123",
		`github,"'=HYPERLINK(""x"")",total,,no data,`, // a formula is defused
	} {
		if !strings.Contains(body, want) {
			t.Errorf("csv lacks %q:\n%s", want, body)
		}
	}
}
