package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// wallDays is the length of the wall view's mini bars.
const wallDays = 30

// wallRow is one vendor on the wall view.
type wallRow struct {
	upstat.VendorSummary
	// Incident is the most severe active incident, if any.
	Incident *upstat.Incident
	// Days are the last wallDays cells of the vendor's bar.
	Days []Day
	// StatusPage is the vendor's own status page (its first source's
	// address without credentials), "" when it is not http(s).
	StatusPage string
	Filter     string
	Problem    bool
}

// wallData is the wall template's data.
type wallData struct {
	Rows     []wallRow
	Sort     string // severity, name or changed
	Problems bool   // problems only
	Query    string
	Total    int
	Days     int
}

// wallSorts are the orders the wall view offers, by query value.
var wallSorts = map[string]func(a, b wallRow) int{
	"severity": func(a, b wallRow) int {
		return cmp.Or(cmp.Compare(rank(a.Status), rank(b.Status)), cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)))
	},
	"name": func(a, b wallRow) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) },
	"changed": func(a, b wallRow) int { // most recent change first; never changed last
		return cmp.Or(compareTimeDesc(a.StatusChangedAt, b.StatusChangedAt), cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)))
	},
}

// wall serves /wall: every vendor on one dense screen, with its status
// in words and icon, 30 days of bar, its worst active incident, when it
// was last checked, and a link to its own status page. ?problems=1
// keeps only vendors not operational (or stale); ?sort= orders by
// severity (default), name or last change.
func (d *Dashboard) wall(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	data := wallData{Sort: cmp.Or(q.Get("sort"), "severity"), Problems: q.Get("problems") == "1",
		Query: strings.TrimSpace(q.Get("q")), Days: wallDays}
	order, ok := wallSorts[data.Sort]
	if !ok {
		d.fail(w, r, fmt.Errorf("%w: sort %q is not severity, name or changed", upstat.ErrInvalid, data.Sort))
		return
	}
	vendors, err := d.opts.Reader.Vendors(ctx)
	if err != nil {
		d.fail(w, r, fmt.Errorf("wall: %w", err))
		return
	}
	data.Total = len(vendors)
	now := d.opts.Now()
	for i := range vendors {
		v := &vendors[i]
		row := wallRow{VendorSummary: v.VendorSummary, Problem: v.Status != upstat.Operational || v.Stale}
		if data.Problems && !row.Problem {
			continue
		}
		parts := []string{v.ID, v.Name, severityLabel(v.Status)}
		for j := range v.Incidents {
			inc := &v.Incidents[j]
			if inc.Active() && (row.Incident == nil || inc.Severity > row.Incident.Severity) {
				row.Incident = inc
				parts = append(parts, inc.Title)
			}
		}
		row.Filter = strings.ToLower(strings.Join(parts, " "))
		if data.Query != "" && !strings.Contains(row.Filter, strings.ToLower(data.Query)) {
			continue
		}
		if len(v.Sources) > 0 {
			row.StatusPage = statusPage(v.Sources[0].URL)
		}
		ev, err := d.evidence(ctx, v, now.Add(-wallDays*24*time.Hour), now)
		if err != nil {
			d.fail(w, r, fmt.Errorf("wall %s: %w", v.ID, err))
			return
		}
		row.Days = ev.obs.DailyBar(ev.vendor(), now, wallDays)
		data.Rows = append(data.Rows, row)
	}
	slices.SortStableFunc(data.Rows, order)
	p := d.newPage(r, "Wall", "wall")
	p.Data = data
	d.render(w, r, http.StatusOK, "wall", p)
}

// statusPage is the address of a source's page for people: http(s) only,
// without credentials or query.
func statusPage(raw string) string {
	u, err := url.Parse(safeURL(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// compareTimeDesc orders later times first and nil last.
func compareTimeDesc(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return b.Compare(*a)
}
