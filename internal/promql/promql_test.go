package promql

import "testing"

func TestCheckRejects(t *testing.T) {
	for _, expr := range []string{
		"", "upstat_vendor_status{vendor=stripe} > 1", "upstat_vendor_staus == 1", "rate(upstat_poll_errors_total[5x])",
		"sum(upstat_vendor_status", "upstat_vendor_status)", "frobnicate(upstat_vendor_status)", `up{job=~"(("}`,
	} {
		if err := Check(expr, Exported); err == nil {
			t.Errorf("Check(%q) = nil, want an error", expr)
		}
	}
}

func TestCheckAccepts(t *testing.T) {
	for _, expr := range []string{
		`max by (vendor) (upstat_vendor_status{vendor=~"$vendor"})`,
		`histogram_quantile(0.95, sum by (le, kind) (rate(upstat_poll_duration_seconds_bucket[5m])))`,
		`sum(increase(upstat_notifications_total{result!="sent"}[1h])) or vector(0)`,
	} {
		if err := Check(expr, Exported); err != nil {
			t.Errorf("Check(%q) = %v, want nil", expr, err)
		}
	}
}
