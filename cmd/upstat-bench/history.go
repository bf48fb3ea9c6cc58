package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/sqlite"
	"github.com/upstat/upstat/web"
)

// historyFlags size the generated history.
type historyFlags struct {
	db        string
	vendors   int
	days      int
	incidents int // per vendor
	updates   int // per incident, on average
	queries   int // timed runs of each query
	seed      uint64
	reuse     bool
}

// cmdHistory fills a database with days of history for many vendors
// through the store's own write path (sqlite.DB.Apply), then times the
// queries the API and the dashboard run on it and reports the file size.
func cmdHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f historyFlags
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.db, "db", "history.db", "database file (created; see -reuse)")
	fs.IntVar(&f.vendors, "vendors", 10000, "vendors")
	fs.IntVar(&f.days, "days", 90, "days of history")
	fs.IntVar(&f.incidents, "incidents", 100, "incidents per vendor")
	fs.IntVar(&f.updates, "updates", 5, "updates per incident (average)")
	fs.IntVar(&f.queries, "queries", 300, "timed runs of each query")
	fs.Uint64Var(&f.seed, "seed", 1, "generator seed")
	fs.BoolVar(&f.reuse, "reuse", false, "reuse an existing -db instead of generating")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if !f.reuse {
		_ = os.Remove(f.db)
		_ = os.Remove(f.db + "-wal")
		_ = os.Remove(f.db + "-shm")
		start := time.Now()
		n, u, err := generateHistory(ctx, f, now, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "generated %d vendors, %d incidents, %d updates over %d days in %s\n",
			f.vendors, n, u, f.days, time.Since(start).Round(time.Second))
	}
	db, err := sqlite.Open(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	size, err := dbSize(f.db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database size: %.0f MiB\n\n", float64(size)/(1<<20))
	return timeQueries(ctx, db, f, now, stdout)
}

func dbSize(path string) (int64, error) {
	var total int64
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			if os.IsNotExist(err) && p != path {
				continue
			}
			return 0, err
		}
		total += fi.Size()
	}
	return total, nil
}

var (
	histTitles = []string{"Elevated error rates", "Degraded performance", "Partial outage of the API", "Delayed webhooks",
		"Login failures", "Increased latency in eu-west", "Scheduled database maintenance", "Dashboard unavailable"}
	histBodies = []string{
		"We are investigating reports of elevated error rates affecting some customers.",
		"The issue has been identified and a fix is being implemented.",
		"A fix has been implemented and we are monitoring the results.",
		"This incident has been resolved. We apologise for the inconvenience.",
		"We are continuing to investigate this issue and will post an update within 30 minutes.",
	}
	closedStates = []upstat.IncidentState{upstat.StateInvestigating, upstat.StateIdentified, upstat.StateMonitoring, upstat.StateResolved}
)

// generateHistory writes the vendors and their incidents, one transaction
// per vendor.
func generateHistory(ctx context.Context, f historyFlags, now time.Time, log io.Writer) (incidents, updates int, err error) {
	db, err := sqlite.Open(ctx, f.db)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	rows := make([]sqlite.VendorState, f.vendors)
	for i := range rows {
		rows[i].ID, rows[i].Name = histVendor(i), fmt.Sprintf("Vendor %d", i)
		rows[i].Sources = []sqlite.Source{{Kind: "statuspage", URL: fmt.Sprintf("https://status.vendor%d.example", i)}}
	}
	if err := db.Configure(ctx, rows); err != nil {
		return 0, 0, err
	}
	rng := rand.New(rand.NewPCG(f.seed, 90))
	span := time.Duration(f.days) * 24 * time.Hour
	for vi := 0; vi < f.vendors; vi++ {
		id := histVendor(vi)
		ch := sqlite.Change{VendorID: id}
		for k := 0; k < f.incidents; k++ {
			inc := histIncident(rng, id, k, now.Add(-time.Duration(rng.Int64N(int64(span)))), now, f.updates)
			updates += len(inc.Updates)
			ch.Incidents = append(ch.Incidents, sqlite.Incident{Incident: inc, Hash: fmt.Sprintf("h%d", k), NoticeHash: fmt.Sprintf("n%d", k)})
		}
		incidents += len(ch.Incidents)
		if err := db.Apply(ctx, &ch); err != nil {
			return 0, 0, err
		}
		if vi%1000 == 999 {
			logf(log, "history: %d vendors, %d incidents, %d updates", vi+1, incidents, updates)
		}
	}
	return incidents, updates, nil
}

func histVendor(i int) string { return fmt.Sprintf("vendor-%05d", i) }

// histIncident is one generated incident: most resolved within hours, a
// few still open, one in ten a maintenance.
func histIncident(rng *rand.Rand, vendor string, k int, start, now time.Time, avgUpdates int) upstat.Incident {
	inc := upstat.Incident{
		ID: fmt.Sprintf("%s:inc%04d", vendor, k), Vendor: vendor, Kind: upstat.KindIncident,
		Title: histTitles[rng.IntN(len(histTitles))], URL: fmt.Sprintf("https://status.%s.example/incidents/inc%04d", vendor, k),
		Severity: upstat.Severities[1+rng.IntN(4)], Components: []string{fmt.Sprintf("Component %d", rng.IntN(20))},
		StartedAt: start,
	}
	n := 1 + rng.IntN(2*avgUpdates-1) // 1 .. 2*avg-1, mean avg
	open := rng.IntN(200) == 0 && now.Sub(start) < 48*time.Hour
	if rng.IntN(10) == 0 {
		inc.Kind, inc.Severity = upstat.KindMaintenance, upstat.Maintenance
		from, until := start, start.Add(2*time.Hour)
		inc.ScheduledFor, inc.ScheduledUntil = &from, &until
	}
	at := start
	for j := 0; j < n; j++ {
		st := closedStates[min(j, len(closedStates)-2)]
		if j == n-1 && !open {
			st = upstat.StateResolved
		}
		if inc.Kind == upstat.KindMaintenance {
			st = map[upstat.IncidentState]upstat.IncidentState{upstat.StateResolved: upstat.StateCompleted}[st]
			if st == "" {
				st = upstat.StateInProgress
			}
		}
		inc.Updates = append(inc.Updates, upstat.Update{ID: fmt.Sprintf("u%d", j), At: at, Status: st, Body: histBodies[rng.IntN(len(histBodies))]})
		inc.Status, inc.UpdatedAt = st, at
		at = at.Add(time.Duration(5+rng.IntN(60)) * time.Minute)
	}
	if inc.Status.Closed() {
		r := inc.UpdatedAt
		inc.ResolvedAt = &r
	}
	return inc
}

// timeQueries runs each API and dashboard query f.queries times with
// varying vendors and times and prints p50/p99/max.
func timeQueries(ctx context.Context, db *sqlite.DB, f historyFlags, now time.Time, w io.Writer) error {
	rng := rand.New(rand.NewPCG(f.seed, 7))
	vendor := func() string { return histVendor(rng.IntN(f.vendors)) }
	ago := func(days int) *time.Time { t := now.Add(-time.Duration(days) * 24 * time.Hour); return &t }
	list := func(fl upstat.IncidentFilter) func() error {
		return func() error { _, _, err := db.Incidents(ctx, fl); return err }
	}
	type query struct {
		name string
		run  func() error
	}
	var deep *upstat.IncidentCursor
	if incs, _, err := db.Incidents(ctx, upstat.IncidentFilter{Limit: 500}); err == nil && len(incs) > 0 {
		last := incs[len(incs)-1]
		deep = &upstat.IncidentCursor{StartedAt: last.StartedAt, ID: last.ID}
	}
	queries := []query{
		{"incidents (no filter)", func() error { return list(upstat.IncidentFilter{})() }},
		{"incidents?state=active", func() error { return list(upstat.IncidentFilter{State: "active"})() }},
		{"incidents?state=resolved", func() error { return list(upstat.IncidentFilter{State: "resolved"})() }},
		{"incidents?min_severity=major_outage", func() error {
			return list(upstat.IncidentFilter{MinSeverity: upstat.MajorOutage, HasMinSev: true})()
		}},
		{"incidents?state=active&min_severity=partial", func() error {
			return list(upstat.IncidentFilter{State: "active", MinSeverity: upstat.PartialOutage, HasMinSev: true})()
		}},
		{"incidents?since=7d", func() error { return list(upstat.IncidentFilter{Since: ago(7)})() }},
		{"incidents?since=60d&until=30d", func() error { return list(upstat.IncidentFilter{Since: ago(60), Until: ago(30)})() }},
		{"incidents?cursor (page after 500)", func() error { return list(upstat.IncidentFilter{After: deep})() }},
		{"incidents?limit=500", func() error { return list(upstat.IncidentFilter{Limit: 500})() }},
		{"incidents?vendor=X", func() error { return list(upstat.IncidentFilter{Vendor: vendor()})() }},
		{"incidents?vendor=X&state=active", func() error { return list(upstat.IncidentFilter{Vendor: vendor(), State: "active"})() }},
		{"incidents?vendor=X&state=resolved&min_sev", func() error {
			return list(upstat.IncidentFilter{Vendor: vendor(), State: "resolved", MinSeverity: upstat.PartialOutage, HasMinSev: true})()
		}},
		{"incidents?vendor=X&since=30d", func() error { return list(upstat.IncidentFilter{Vendor: vendor(), Since: ago(30)})() }},
		{"incident {id} with updates", func() error {
			_, err := db.Incident(ctx, fmt.Sprintf("%s:inc%04d", vendor(), rng.IntN(f.incidents)))
			return err
		}},
		{"vendor page: 90-day history + bars", func() error {
			v := vendor()
			since := ago(max(f.days, 90))
			var all []upstat.Incident
			fl := upstat.IncidentFilter{Vendor: v, Since: since, Limit: 500}
			for range 20 {
				incs, next, err := db.Incidents(ctx, fl)
				if err != nil {
					return err
				}
				all = append(all, incs...)
				if next == nil {
					break
				}
				fl.After = next
			}
			if _, _, err := db.Incidents(ctx, upstat.IncidentFilter{Vendor: v, Limit: 20}); err != nil {
				return err
			}
			_ = web.DailyBar(all, since, now, 90)
			_ = web.ComputeUptime(all, now.Add(-90*24*time.Hour), now)
			return nil
		}},
	}
	fmt.Fprintf(w, "  %-44s %9s %9s %9s\n", "query", "p50 ms", "p99 ms", "max ms")
	worst := 0.0
	for _, q := range queries {
		lat := &latencies{}
		for i := 0; i < f.queries; i++ {
			start := time.Now()
			if err := q.run(); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			lat.add(time.Since(start))
		}
		p := lat.percentiles()
		worst = max(worst, p.P99)
		fmt.Fprintf(w, "  %-44s %9.2f %9.2f %9.2f\n", q.name, p.P50, p.P99, p.Max)
	}
	fmt.Fprintf(w, "\n  worst p99: %.2f ms (target <= 20 ms)\n", worst)
	return nil
}
