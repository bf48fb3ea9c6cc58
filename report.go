package upstat

import (
	"context"
	"time"
)

// Report is a vendor's SLA evidence over a window of whole UTC days: per
// day and in total, for the vendor and each component, what upstat
// observed and the vendor reported, and what upstat did not see.
type Report struct {
	Vendor string `json:"vendor"`
	Name   string `json:"name"`
	// From and To bound the window [From, To); To is capped at
	// GeneratedAt for a window reaching into the future.
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	GeneratedAt time.Time `json:"generated_at"`
	// Subjects are the vendor as a whole (Component "") first, then each
	// component it lists now.
	Subjects []ReportSubject `json:"subjects"`
	// Incidents are the vendor's reported incidents and maintenance
	// overlapping the window, oldest first, without their updates.
	Incidents []Incident `json:"incidents"`
	// Gaps are the stretches upstat did not see the vendor: before its
	// first read, and while its sources were failing past the staleness
	// window. They count as neither up nor down.
	Gaps []ReportGap `json:"gaps"`
}

// ReportSubject is the vendor or one component in a Report.
type ReportSubject struct {
	Component string       `json:"component"` // "" for the vendor as a whole
	Total     ReportUptime `json:"total"`
	Days      []ReportDay  `json:"days"`
}

// ReportDay is one UTC day of a ReportSubject, as the dashboard's bar
// cell for that day shows it.
type ReportDay struct {
	Date string `json:"date"` // YYYY-MM-DD
	// Worst is the worst severity observed or reported that day
	// (maintenance as maintenance); operational on a day with none.
	Worst  Severity     `json:"worst"`
	Uptime ReportUptime `json:"uptime"`
	// Incidents are the ids of the reported incidents that day.
	Incidents []string `json:"incidents"`
}

// ReportUptime is the availability over a day or the window: seconds in
// each state and the uptime, which excludes maintenance and unseen time.
type ReportUptime struct {
	// NoData is true when upstat saw none of the period.
	NoData bool `json:"no_data"`
	// Percent is the dashboard's figure: two decimals rounded down ("no
	// data" when NoData).
	Percent string `json:"percent"`
	// Ratio is 1 - down/measured; absent when NoData.
	Ratio   *float64      `json:"ratio"`
	Seconds ReportSeconds `json:"seconds"`
}

// ReportSeconds splits a period into what upstat saw of it.
type ReportSeconds struct {
	Window      int64 `json:"window"`
	Measured    int64 `json:"measured"` // window minus maintenance and unobserved
	Operational int64 `json:"operational"`
	Degraded    int64 `json:"degraded"`
	Partial     int64 `json:"partial_outage"`
	Major       int64 `json:"major_outage"`
	Maintenance int64 `json:"maintenance"`
	Unobserved  int64 `json:"unobserved"`
}

// ReportGap is a stretch of time upstat did not see a vendor.
type ReportGap struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
}

// ReportReader builds vendor reports.
type ReportReader interface {
	// VendorReport reports on vendor id over the UTC days [from, to)
	// (both midnights). An unknown vendor wraps ErrNotFound; a bad window
	// wraps ErrInvalid.
	VendorReport(ctx context.Context, id string, from, to time.Time) (*Report, error)
}
