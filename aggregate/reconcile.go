package aggregate

import (
	"maps"
	"strconv"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/sqlite"
)

// DefaultReconcileAfter is Options.ReconcileAfter.
const DefaultReconcileAfter = 3

// unlistedBody is the final update of an incident upstat closed because
// its vendor stopped listing it.
const unlistedBody = "no longer listed by the vendor"

// sourceKey names one source of one vendor.
type sourceKey struct {
	vendor string
	idx    int
}

// listing is what the aggregator remembers of a source that lists every
// open incident (upstat.Snapshot.ListsAllOpen), to reconcile incidents it
// stops listing. It is kept in memory only: after a restart counting
// starts again (adapters fetch in full after a restart), with every open
// incident of a vendor that has this one source as a candidate. A listing is
// replaced, never modified, so a failed record leaves the old one.
type listing struct {
	// seen holds the open incidents this source has listed.
	seen map[string]bool
	// missing holds, for each of them absent from the source's recent
	// successful polls, how many polls in a row and since when.
	missing map[string]missed
	// historyErr is the last full snapshot's HistoryErr.
	historyErr string
}

type missed struct {
	polls int
	since time.Time
}

// reconcile counts, for a source that lists every open incident, the
// successful polls that no longer list each open incident it listed
// before, and closes one as resolved once ReconcileAfter polls in a row
// missed it while the source's history listing answered: resolved at the
// first poll that missed it, with a final update "no longer listed by
// the vendor", closed_by "upstat". While the history listing fails, the
// incident is kept open and the source's last_error says why. A
// NotModified poll repeats the last full one.
func (r *recorder) reconcile(prev *listing, idx int, snap *upstat.Snapshot, after int) *listing {
	if !snap.NotModified && !snap.ListsAllOpen {
		return nil // absence means nothing for this source (any more)
	}
	if prev == nil {
		if snap.NotModified {
			return nil
		}
		prev = &listing{seen: map[string]bool{}}
		if len(r.next.sources) == 1 {
			// The vendor's only source: every open incident is its own,
			// also one stored before a restart and deleted meanwhile.
			for id := range r.old.incs {
				prev.seen[id] = true
			}
		}
	}
	next := &listing{seen: map[string]bool{}, missing: map[string]missed{}, historyErr: prev.historyErr}
	listed := map[string]bool{}
	if snap.NotModified {
		for id := range prev.seen {
			if _, gone := prev.missing[id]; !gone {
				listed[id] = true
			}
		}
	} else {
		next.historyErr = snap.HistoryErr
		for i := range snap.Incidents {
			if snap.Incidents[i].ID != "" {
				id, _ := upstat.IncidentID(r.old.row.ID, snap.Incidents[i].ID)
				listed[id] = true
			}
		}
	}
	var held []string
	for id := range r.next.incs {
		switch {
		case listed[id]:
			next.seen[id] = true
		case prev.seen[id]:
			next.seen[id] = true
			m, ok := prev.missing[id]
			if !ok {
				m.since = r.now
			}
			if next.historyErr != "" {
				next.missing[id] = m // not counted: the history may list it
				held = append(held, id)
				continue
			}
			m.polls++
			if m.polls >= after {
				r.closeUnlisted(id, m.since)
				delete(next.seen, id)
				continue
			}
			next.missing[id] = m
		}
	}
	if len(held) > 0 {
		src := r.next.sources[idx]
		src.LastError = "history listing failed (" + next.historyErr + "): " + plural(len(held), "incident") +
			" no longer listed kept open"
		r.next.sources[idx] = src
		r.ch.Sources[len(r.ch.Sources)-1] = src
	}
	return next
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// closeUnlisted closes an open incident its vendor stopped listing.
func (r *recorder) closeUnlisted(id string, at time.Time) {
	prev := r.next.incs[id]
	inc := prev.Incident
	inc.Status = upstat.StateResolved
	if inc.Kind == upstat.KindMaintenance {
		inc.Status = upstat.StateCompleted
	}
	inc.ResolvedAt, inc.UpdatedAt, inc.ClosedBy = &at, at, upstat.ClosedByUpstat
	inc.Updates = []upstat.Update{{ID: "upstat:unlisted", At: at, Status: inc.Status, Body: unlistedBody}}
	full, notice := incidentHashes(&inc)
	r.copyIncidents()
	delete(r.next.incs, id)
	r.ch.Incidents = append(r.ch.Incidents, sqlite.Incident{Incident: inc, Hash: full, NoticeHash: notice})
	r.incidentEvents(true, &prev.Incident, &inc, true)
	r.next.deriveActive()
}

// copyIncidents gives the next state its own map of open incidents
// before the first change to it.
func (r *recorder) copyIncidents() {
	if !r.incsCopied {
		r.next.incs = maps.Clone(r.old.incs)
		r.incsCopied = true
	}
}
