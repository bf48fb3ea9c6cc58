package heroku

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// colour maps a colour; Unknown for a colour not in the vocabulary and
// ok false for none at all.
func colour(m *normalize.Mapper, c string) (upstat.Severity, bool) {
	if strings.TrimSpace(c) == "" {
		return upstat.Operational, false
	}
	if s, ok := m.Map(Kind, c); ok {
		return s, true
	}
	return upstat.Unknown, true
}

// build turns current-status into a snapshot: each system a component
// with its colour, incidents and scheduled maintenance as incidents.
// Recent incidents (past) add those current-status no longer lists; an
// incident in both is taken from the later updated_at (current on a tie).
// A past entry with a scheduled or maintenance update is a maintenance.
func build(m *normalize.Mapper, now time.Time, c *wireCurrent, past []wireIncident) *upstat.Snapshot {
	snap := &upstat.Snapshot{HasComponents: true, ListsAllOpen: true}
	for _, sys := range *c.Systems {
		st, _ := colour(m, sys.Status)
		snap.Components = append(snap.Components, upstat.Component{Name: strings.TrimSpace(sys.System), Status: st})
	}
	type entry struct {
		w     *wireIncident
		maint bool
	}
	byID := map[string]entry{}
	var order []string
	add := func(w *wireIncident, maint bool) {
		k := w.ID.String()
		prev, ok := byID[k]
		if !ok {
			order = append(order, k)
		} else if w.UpdatedAt.Before(prev.w.UpdatedAt) {
			return
		}
		byID[k] = entry{w, maint || prev.maint}
	}
	for i := range past {
		add(&past[i], plannedWork(&past[i]))
	}
	for i := range c.Incidents {
		add(&c.Incidents[i], false)
	}
	for i := range c.Scheduled {
		add(&c.Scheduled[i], true)
	}
	for _, k := range order {
		e := byID[k]
		if e.maint {
			snap.Incidents = append(snap.Incidents, maintenance(m, now, e.w))
		} else {
			snap.Incidents = append(snap.Incidents, incident(m, e.w))
		}
	}
	sort.SliceStable(snap.Incidents, func(i, j int) bool { return snap.Incidents[i].StartedAt.After(snap.Incidents[j].StartedAt) })
	return snap
}

// plannedWork reports whether an incident is a maintenance: one of its
// updates is a scheduled or maintenance update.
func plannedWork(w *wireIncident) bool {
	for _, u := range w.Updates {
		switch strings.ToLower(strings.TrimSpace(u.UpdateType)) {
		case "scheduled", "maintenance":
			return true
		}
	}
	return false
}

// updateStates maps update_type to a lifecycle state; "update" and
// types not listed keep the state before them.
var updateStates = map[string]upstat.IncidentState{
	"investigating": upstat.StateInvestigating,
	"issue":         upstat.StateInvestigating,
	"identified":    upstat.StateIdentified,
	"monitoring":    upstat.StateMonitoring,
	"resolved":      upstat.StateResolved,
	"scheduled":     upstat.StateScheduled,
	"maintenance":   upstat.StateInProgress,
	"completed":     upstat.StateCompleted,
}

// timeline builds the updates oldest first and returns the state of the
// latest, and the worst colour any update or the item itself showed.
func timeline(m *normalize.Mapper, w *wireIncident, first upstat.IncidentState) ([]upstat.Update, upstat.IncidentState, upstat.Severity) {
	ups := make([]wireUpdate, len(w.Updates))
	copy(ups, w.Updates)
	sort.SliceStable(ups, func(i, j int) bool { return ups[i].CreatedAt.Before(ups[j].CreatedAt) })
	state, worst, unknown := first, upstat.Operational, false
	seen := func(cols ...string) {
		for _, c := range cols {
			if s, ok := colour(m, c); ok && s == upstat.Unknown {
				unknown = true
			} else if ok {
				worst = upstat.Worse(worst, s)
			}
		}
	}
	seen(w.StatusDev, w.StatusProd)
	var out []upstat.Update
	for _, u := range ups {
		if st, ok := updateStates[strings.ToLower(strings.TrimSpace(u.UpdateType))]; ok {
			state = st
		}
		seen(u.StatusDev, u.StatusProd)
		id := u.ID.String()
		if id == "" {
			id = fmt.Sprintf("%d-%d", len(out), u.CreatedAt.Unix())
		}
		out = append(out, upstat.Update{ID: id, At: u.CreatedAt.UTC(), Status: state, Body: strings.TrimSpace(strings.ReplaceAll(u.Contents, "\r\n", "\n"))})
	}
	if unknown && worst == upstat.Operational {
		worst = upstat.Unknown
	}
	return out, state, worst
}

func base(w *wireIncident, kind upstat.Kind) upstat.Incident {
	return upstat.Incident{
		ID: w.ID.String(), Kind: kind, Title: strings.TrimSpace(w.Title), URL: w.FullURL,
		Components: append([]string{}, w.Systems...), StartedAt: w.CreatedAt.UTC(), UpdatedAt: w.UpdatedAt.UTC(),
	}
}

// incident normalises an open or recent incident. It is resolved when its
// state says so (the resolved flag can still be false then) or its
// latest update is a resolution; otherwise the latest update_type gives
// its state. Its severity is the worst colour it showed.
func incident(m *normalize.Mapper, w *wireIncident) upstat.Incident {
	inc := base(w, upstat.KindIncident)
	var state upstat.IncidentState
	inc.Updates, state, inc.Severity = timeline(m, w, upstat.StateInvestigating)
	inc.Status = state
	if st := strings.ToLower(strings.TrimSpace(w.State)); st == "resolved" || (st == "" && w.Resolved) {
		inc.Status = upstat.StateResolved
	} else if state == upstat.StateResolved && st != "" {
		// The latest update resolved it but state did not follow yet:
		// state is what Heroku says the incident is.
		inc.Status = upstat.StateMonitoring
	}
	closeAt(&inc, w)
	return inc
}

// maintenance normalises a scheduled entry. The window comes from the
// title or the announcement ("on Monday, November 9 at 19:00 UTC …
// until 19:30 UTC (30 minutes)"); started_at is its start. An entry still
// "scheduled" (no update says it began) whose window ended is stale —
// Heroku keeps completed entries in scheduled[] as upcoming — and is
// completed at the window's end.
func maintenance(m *normalize.Mapper, now time.Time, w *wireIncident) upstat.Incident {
	inc := base(w, upstat.KindMaintenance)
	var state upstat.IncidentState
	inc.Updates, state, inc.Severity = timeline(m, w, upstat.StateScheduled)
	inc.Severity = upstat.Worse(inc.Severity, upstat.Maintenance)
	for i := range inc.Updates {
		if inc.Updates[i].Status == upstat.StateResolved {
			inc.Updates[i].Status = upstat.StateCompleted // a maintenance completes
		}
	}
	switch {
	case w.Resolved || strings.EqualFold(w.State, "resolved") || state == upstat.StateResolved:
		state = upstat.StateCompleted
	}
	inc.Status = state
	text := w.Title
	if len(inc.Updates) > 0 {
		text += "\n" + inc.Updates[0].Body
	}
	if from, until, ok := window(text, w.CreatedAt); ok {
		inc.ScheduledFor, inc.StartedAt = &from, from
		if !until.IsZero() {
			inc.ScheduledUntil = &until
			if inc.Status == upstat.StateScheduled && until.Before(now) {
				inc.Status = upstat.StateCompleted
				inc.ResolvedAt = &until
			}
		}
	}
	closeAt(&inc, w)
	return inc
}

// closeAt sets ResolvedAt of a closed incident, when not yet set:
// resolved_at, else the latest update, else updated_at.
func closeAt(inc *upstat.Incident, w *wireIncident) {
	if !inc.Status.Closed() || inc.ResolvedAt != nil {
		return
	}
	at := inc.UpdatedAt
	if n := len(inc.Updates); n > 0 {
		at = inc.Updates[n-1].At
	}
	if w.ResolvedAt != nil {
		at = w.ResolvedAt.UTC()
	}
	inc.ResolvedAt = &at
}

var (
	startRe = regexp.MustCompile(`(?i)(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?,?\s+(?:at|from)\s+(\d{1,2}):(\d{2})\s*UTC`)
	untilRe = regexp.MustCompile(`(?i)(?:until|to|-)\s+(\d{1,2}):(\d{2})\s*UTC`)
	spanRe  = regexp.MustCompile(`(?i)\((\d+)\s*(minute|hour)s?\)`)
)

// window reads a maintenance window from prose: the start ("November 9
// at 19:00 UTC", the year from the text or the announcement's, rolled
// forward when it would precede the announcement) and the end ("until
// 19:30 UTC", else a "(30 minutes)" span; zero when neither is given).
func window(text string, announced time.Time) (from, until time.Time, ok bool) {
	sm := startRe.FindStringSubmatchIndex(text)
	if sm == nil {
		return from, until, false
	}
	g := func(i int) string {
		if sm[2*i] < 0 {
			return ""
		}
		return text[sm[2*i]:sm[2*i+1]]
	}
	month, _ := time.Parse("January", g(1)) // month names match case-insensitively
	day, _ := strconv.Atoi(g(2))
	hour, _ := strconv.Atoi(g(4))
	minute, _ := strconv.Atoi(g(5))
	year := announced.UTC().Year()
	if y := g(3); y != "" {
		year, _ = strconv.Atoi(y)
	}
	from = time.Date(year, month.Month(), day, hour, minute, 0, 0, time.UTC)
	if g(3) == "" && from.Before(announced.Add(-24*time.Hour)) {
		from = from.AddDate(1, 0, 0)
	}
	rest := text[sm[1]:]
	if um := untilRe.FindStringSubmatch(rest); um != nil {
		h, _ := strconv.Atoi(um[1])
		mi, _ := strconv.Atoi(um[2])
		until = time.Date(from.Year(), from.Month(), from.Day(), h, mi, 0, 0, time.UTC)
		if !until.After(from) {
			until = until.Add(24 * time.Hour)
		}
	} else if sp := spanRe.FindStringSubmatch(rest); sp != nil {
		n, _ := strconv.Atoi(sp[1])
		unit := time.Minute
		if strings.EqualFold(sp[2], "hour") {
			unit = time.Hour
		}
		until = from.Add(time.Duration(n) * unit)
	}
	return from, until, true
}
