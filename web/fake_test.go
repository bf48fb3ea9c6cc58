package web

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// fakeStore is an in-memory upstat.Reader and upstat.EventSource holding
// demo-like data that tests can change while a page is open.
type fakeStore struct {
	mu        sync.Mutex
	vendors   []upstat.Vendor
	incidents map[string]*upstat.Incident
	events    []upstat.Event
	live      *apitest.Events
	// fail, when set, is returned by every read.
	fail error
}

var (
	_ upstat.Reader      = (*fakeStore)(nil)
	_ upstat.EventSource = (*fakeStore)(nil)
)

func newFakeStore() *fakeStore {
	return &fakeStore{incidents: map[string]*upstat.Incident{}, live: apitest.NewEvents(64)}
}

// vendorLocked returns the vendor with its active incidents filled in.
func (f *fakeStore) vendorLocked(v upstat.Vendor) upstat.Vendor {
	v.Components = slices.Clone(v.Components)
	v.Sources = slices.Clone(v.Sources)
	v.Incidents = nil
	for _, inc := range f.incidents {
		if inc.Vendor == v.ID && inc.Active() {
			c := *inc
			c.Updates = nil
			v.Incidents = append(v.Incidents, c)
		}
	}
	slices.SortFunc(v.Incidents, newestFirst)
	v.ActiveIncidents = len(v.Incidents)
	return v
}

func newestFirst(a, b upstat.Incident) int {
	return cmp.Or(b.StartedAt.Compare(a.StartedAt), cmp.Compare(b.ID, a.ID))
}

func (f *fakeStore) Summary(ctx context.Context) ([]upstat.VendorSummary, error) {
	vs, err := f.Vendors(ctx)
	var out []upstat.VendorSummary
	for _, v := range vs {
		out = append(out, v.VendorSummary)
	}
	return out, err
}

func (f *fakeStore) Vendor(_ context.Context, id string) (*upstat.Vendor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	for _, v := range f.vendors {
		if v.ID == id {
			v = f.vendorLocked(v)
			return &v, nil
		}
	}
	return nil, fmt.Errorf("vendor %q: %w", id, upstat.ErrNotFound)
}

func (f *fakeStore) Vendors(context.Context) ([]upstat.Vendor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	var out []upstat.Vendor
	for _, v := range f.vendors {
		out = append(out, f.vendorLocked(v))
	}
	return out, nil
}

func (f *fakeStore) Incidents(_ context.Context, flt upstat.IncidentFilter) ([]upstat.Incident, *upstat.IncidentCursor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, nil, f.fail
	}
	var all []upstat.Incident
	for _, inc := range f.incidents {
		start := inc.StartedAt
		if start.IsZero() && inc.ScheduledFor != nil {
			start = *inc.ScheduledFor
		}
		switch {
		case flt.Vendor != "" && inc.Vendor != flt.Vendor,
			flt.Since != nil && start.Before(*flt.Since),
			flt.Until != nil && !start.Before(*flt.Until),
			flt.State == "active" && !inc.Active(),
			flt.State == "resolved" && !inc.Status.Closed():
			continue
		}
		c := *inc
		c.Updates = nil
		all = append(all, c)
	}
	slices.SortFunc(all, newestFirst)
	if a := flt.After; a != nil {
		i := slices.IndexFunc(all, func(inc upstat.Incident) bool {
			return newestFirst(upstat.Incident{StartedAt: a.StartedAt, ID: a.ID}, inc) < 0
		})
		if i < 0 {
			i = len(all)
		}
		all = all[i:]
	}
	limit := cmp.Or(flt.Limit, 50)
	if len(all) <= limit {
		return all, nil, nil
	}
	last := all[limit-1]
	return all[:limit], &upstat.IncidentCursor{StartedAt: last.StartedAt, ID: last.ID}, nil
}

func (f *fakeStore) Incident(_ context.Context, id string) (*upstat.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	inc, ok := f.incidents[id]
	if !ok {
		return nil, fmt.Errorf("incident %q: %w", id, upstat.ErrNotFound)
	}
	c := *inc
	c.Updates = slices.Clone(inc.Updates)
	return &c, nil
}

func (f *fakeStore) Events(_ context.Context, after int64, limit int) ([]upstat.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []upstat.Event
	for _, e := range f.events {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStore) Subscribe() (<-chan upstat.Event, func()) { return f.live.Subscribe() }

// publishLocked records an event and hands it to the subscribers.
func (f *fakeStore) publishLocked(e upstat.Event) {
	e.Seq = int64(len(f.events) + 1)
	e.ID = strconv.FormatInt(e.Seq, 10)
	f.events = append(f.events, e)
	f.live.Publish(e)
}

// setStatus changes a vendor's status and publishes the event.
func (f *fakeStore) setStatus(id string, to upstat.Severity, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.vendors {
		v := &f.vendors[i]
		if v.ID == id {
			from := v.Status
			v.Status = to
			v.StatusChangedAt = &at
			f.publishLocked(upstat.Event{At: at, Type: upstat.EventVendorStatusChanged, Vendor: id, From: from, To: to})
		}
	}
}

// addIncident stores an incident and publishes incident.opened.
func (f *fakeStore) addIncident(inc upstat.Incident) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.incidents[inc.ID] = &inc
	f.publishLocked(upstat.Event{At: inc.StartedAt, Type: upstat.EventIncidentOpened, Vendor: inc.Vendor, IncidentID: inc.ID, To: inc.Severity})
}

// addUpdate appends an update to an incident and publishes
// incident.updated.
func (f *fakeStore) addUpdate(id string, u upstat.Update) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inc := f.incidents[id]
	inc.Updates = append(inc.Updates, u)
	inc.Status = u.Status
	inc.UpdatedAt = u.At
	f.publishLocked(upstat.Event{At: u.At, Type: upstat.EventIncidentUpdated, Vendor: inc.Vendor, IncidentID: id})
}

// fakeAlerts is a fixed list of firing alerts.
type fakeAlerts []upstat.Alert

func (a fakeAlerts) Firing(context.Context) ([]upstat.Alert, error) { return a, nil }

// fakeEngine is an alert lister that knows its number of rules.
type fakeEngine struct {
	fakeAlerts
	rules int
}

func (e fakeEngine) RuleCount() int { return e.rules }

// Hostile strings: if any of them runs, window.__pwned is set.
const (
	hostileTitle = `<script>window.__pwned="title-script"</script><img src=x onerror="window.__pwned='title-img'">`
	hostileBody  = `Read <a href="javascript:window.__pwned='body-link'">this</a> <script>window.__pwned="body-script"</script> <img src=x onerror="window.__pwned='body-img'"> javascript:window.__pwned='bare'`
	hostileURL   = `javascript:window.__pwned='source-link'`
	hostileComp  = `<img src=x onerror="window.__pwned='component'">`
)

// demoStore fills a store with several vendors in different states and a
// few months of history, relative to now.
func demoStore(now time.Time) *fakeStore {
	f := newFakeStore()
	h := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	day := 24 * time.Hour
	src := func(kind, url string, lastErr string) []upstat.SourceStatus {
		return []upstat.SourceStatus{{Kind: kind, URL: url, LastError: lastErr, LastCheckedAt: h(time.Minute), LastSuccessAt: h(time.Minute)}}
	}
	vendor := func(id, name string, status upstat.Severity, changed time.Duration, labels map[string]string) upstat.Vendor {
		return upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: id, Name: name, Status: status, Labels: labels,
			LastCheckedAt: h(time.Minute), LastSuccessAt: h(time.Minute), StatusChangedAt: h(changed), FirstSuccessAt: h(200 * day)}}
	}
	gh := vendor("github", "GitHub", upstat.PartialOutage, 47*time.Minute, map[string]string{"tier": "critical", "team": "platform"})
	gh.Components = []upstat.Component{
		{Name: "Git Operations", Status: upstat.Operational},
		{Name: "API Requests", Status: upstat.Operational},
		{Name: "Actions", Status: upstat.PartialOutage},
		{Name: "Pages", Status: upstat.Degraded},
	}
	gh.Sources = src("statuspage", "https://www.githubstatus.com", "")
	stripe := vendor("stripe", "Stripe", upstat.Operational, 9*day, map[string]string{"tier": "critical", "team": "payments"})
	stripe.Components = []upstat.Component{{Name: "API", Status: upstat.Operational}, {Name: "Dashboard", Status: upstat.Operational}}
	stripe.Sources = src("statuspage", "https://status.stripe.com", "")
	cf := vendor("cloudflare", "Cloudflare", upstat.Maintenance, 2*time.Hour, map[string]string{"tier": "critical", "team": "platform"})
	cf.Components = []upstat.Component{
		{Name: "Frankfurt (FRA)", Group: "Europe", Status: upstat.Maintenance},
		{Name: "London (LHR)", Group: "Europe", Status: upstat.Operational},
		{Name: "Ashburn (IAD)", Group: "North America", Status: upstat.Operational},
	}
	cf.Sources = src("statuspage", "https://www.cloudflarestatus.com", "")
	nr := vendor("newrelic", "New Relic", upstat.Degraded, 3*time.Hour, map[string]string{"tier": "standard", "team": "sre"})
	nr.Stale, nr.LastError, nr.LastSuccessAt = true, "http 503", h(25*time.Minute)
	nr.Components = []upstat.Component{{Name: "Alerts", Status: upstat.Degraded}}
	nr.Sources = []upstat.SourceStatus{{Kind: "statuspage", URL: "https://status.newrelic.com", LastError: "http 503",
		LastCheckedAt: h(time.Minute), LastSuccessAt: h(25 * time.Minute)}}
	iv := vendor("intervals", "Intervals", upstat.Operational, 20*day, map[string]string{"tier": "standard", "team": "sre"})
	iv.Sources = src("feed", "https://intervals.example.com/blog/feed/", "")
	evil := vendor("evilcorp", `Evil "Corp"`, upstat.MajorOutage, 5*time.Minute, nil)
	evil.Components = []upstat.Component{{Name: hostileComp, Status: upstat.MajorOutage}}
	evil.Sources = src("html", hostileURL, `<script>window.__pwned="error"</script>`)
	f.vendors = []upstat.Vendor{gh, stripe, cf, nr, iv, evil}

	add := func(inc upstat.Incident) { f.incidents[inc.ID] = &inc }
	resolved := func(id, vendor, title string, sev upstat.Severity, start time.Duration, length time.Duration, comps ...string) upstat.Incident {
		s, e := now.Add(-start), now.Add(-start+length)
		return upstat.Incident{ID: id, Vendor: vendor, Kind: upstat.KindIncident, Title: title, Severity: sev,
			Status: upstat.StateResolved, Components: comps, StartedAt: s, UpdatedAt: e, ResolvedAt: &e,
			URL: "https://www.githubstatus.com/incidents/" + id,
			Updates: []upstat.Update{{At: s, Status: upstat.StateInvestigating, Body: "We are investigating reports of " + title + "."},
				{At: e, Status: upstat.StateResolved, Body: "This incident has been resolved."}}}
	}
	add(upstat.Incident{ID: "github:actions", Vendor: "github", Kind: upstat.KindIncident, Title: "Actions workflows are delayed",
		Severity: upstat.PartialOutage, SeveritySource: upstat.SeverityFromVendor, Status: upstat.StateIdentified, Components: []string{"Actions", "Pages"},
		StartedAt: *h(47 * time.Minute), UpdatedAt: *h(12 * time.Minute), URL: "https://www.githubstatus.com/incidents/actions",
		Updates: []upstat.Update{
			{At: *h(47 * time.Minute), Status: upstat.StateInvestigating, Body: "We are investigating delays in Actions workflow runs.\nSome jobs queue for up to 20 minutes."},
			{At: *h(12 * time.Minute), Status: upstat.StateIdentified, Body: "A database failover slowed the job queue. Details: https://www.githubstatus.com/incidents/actions"},
		}})
	add(resolved("github:git-slow", "github", "Git pushes slow", upstat.Degraded, 3*day+2*time.Hour, 5*time.Hour, "Git Operations"))
	add(resolved("github:api-down", "github", "API unavailable", upstat.MajorOutage, 12*day, 90*time.Minute, "API Requests"))
	pages := resolved("github:pages", "github", "Pages builds failing", upstat.PartialOutage, 40*day, 26*time.Hour, "Pages")
	pages.SeveritySource = upstat.SeverityFromText // read from a feed's words
	add(pages)
	for i := range 25 { // enough past incidents to page through
		add(resolved(fmt.Sprintf("github:old-%02d", i), "github", fmt.Sprintf("Webhook delivery delays #%d", i),
			upstat.Degraded, time.Duration(50+i*3)*day, 2*time.Hour))
	}
	add(resolved("stripe:payouts", "stripe", "Delayed payouts", upstat.Degraded, 9*day+time.Hour, time.Hour, "API"))
	add(upstat.Incident{ID: "cloudflare:fra", Vendor: "cloudflare", Kind: upstat.KindMaintenance, Title: "Scheduled maintenance in FRA",
		Severity: upstat.Maintenance, Status: upstat.StateInProgress, Components: []string{"Europe/Frankfurt (FRA)"},
		StartedAt: *h(2 * time.Hour), UpdatedAt: *h(2 * time.Hour), ScheduledFor: h(2 * time.Hour), ScheduledUntil: h(-2 * time.Hour),
		Updates: []upstat.Update{{At: *h(2 * time.Hour), Status: upstat.StateInProgress, Body: "Maintenance is in progress."}}})
	add(upstat.Incident{ID: "cloudflare:lhr", Vendor: "cloudflare", Kind: upstat.KindMaintenance, Title: "Scheduled maintenance in LHR",
		Severity: upstat.Maintenance, Status: upstat.StateScheduled, Components: []string{"Europe/London (LHR)"},
		ScheduledFor: h(-2 * day), ScheduledUntil: h(-2*day - 4*time.Hour)})
	add(upstat.Incident{ID: "newrelic:alerts", Vendor: "newrelic", Kind: upstat.KindIncident, Title: "Alert notifications delayed",
		Severity: upstat.Degraded, SeveritySource: upstat.SeverityFromText, Status: upstat.StateMonitoring, Components: []string{"Alerts"},
		StartedAt: *h(3 * time.Hour), UpdatedAt: *h(40 * time.Minute)})
	add(upstat.Incident{ID: "evilcorp:1", Vendor: "evilcorp", Kind: upstat.KindIncident, Title: hostileTitle, URL: hostileURL,
		Severity: upstat.MajorOutage, Status: upstat.StateInvestigating, Components: []string{hostileComp},
		StartedAt: *h(5 * time.Minute), UpdatedAt: *h(5 * time.Minute),
		Updates: []upstat.Update{{At: *h(5 * time.Minute), Status: upstat.StateInvestigating, Body: hostileBody}}})
	return f
}
