package normalize

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// This file holds the timeline rules every adapter shares: deriving an
// incident's fields from its updates (Finish), the fallback key of an
// update without an id (KeyUpdates), reading a severity from free text
// (TextSeverity, GuessSeverity) and tidying text (Tidy). Chaining entries of sources
// without a lifecycle is in chain.go, the vendor's status in status.go.

// KeyUpdates gives every update without an id its fallback key: its
// ordinal from the oldest (1-based; ties keep their order) and its state,
// "3-monitoring". Edits of an update's body or stamp keep its key; so
// does a later update, which only adds a key. It is the one fallback
// scheme: adapters and the aggregator both use it.
func KeyUpdates(updates []upstat.Update) {
	order := make([]int, len(updates))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return updates[order[a]].At.Before(updates[order[b]].At) })
	for n, i := range order {
		if updates[i].ID == "" {
			updates[i].ID = fmt.Sprintf("%d-%s", n+1, updates[i].Status)
		}
	}
}

// Finish sets the fields every timeline-shaped incident derives from its
// updates: it sorts them oldest first (stable, so updates of one minute
// keep their order), keys each by its ordinal from the oldest and its
// state ("3-monitoring": edits of bodies and stamps keep the key), and
// derives status (the latest update's), started, updated and resolved
// times (resolved: the first closing update of the final closed run).
// Without updates, started and updated are fallback. Every adapter whose
// updates have no ids of their own uses it.
func Finish(inc *upstat.Incident, fallback time.Time) {
	sort.SliceStable(inc.Updates, func(i, j int) bool { return inc.Updates[i].At.Before(inc.Updates[j].At) })
	for i := range inc.Updates {
		inc.Updates[i].ID = ""
	}
	KeyUpdates(inc.Updates)
	inc.StartedAt, inc.UpdatedAt = fallback, fallback
	if len(inc.Updates) > 0 {
		inc.StartedAt = inc.Updates[0].At
		inc.UpdatedAt = inc.Updates[len(inc.Updates)-1].At
	}
	inc.ResolvedAt = nil
	for _, u := range inc.Updates {
		if u.Status != "" {
			inc.Status = u.Status
		}
		if u.Status.Closed() && inc.ResolvedAt == nil {
			at := u.At
			inc.ResolvedAt = &at
		}
		if !u.Status.Closed() {
			inc.ResolvedAt = nil
		}
	}
	if inc.Status == "" {
		inc.Status = upstat.StateInvestigating
		if inc.Kind == upstat.KindMaintenance {
			inc.Status = upstat.StateScheduled
		}
	}
	if inc.Components == nil {
		inc.Components = []string{}
	}
}

// TextSeverity reads a severity from free text with the keyword
// table: the strongest problem severity named, or def when none is.
func TextSeverity(def upstat.Severity, texts ...string) upstat.Severity {
	sev := upstat.Unknown
	for _, t := range texts {
		v := Classify(t)
		if v.Matched && v.Severity > upstat.Maintenance {
			sev = upstat.Worse(sev, v.Severity)
		}
	}
	if sev == upstat.Unknown {
		return def
	}
	return sev
}

// GuessSeverity sets inc's severity from free text with TextSeverity and
// marks it a guess (SeverityFromText). Every adapter that reads a severity
// from words sets it through here, so a guess is never shown as the
// vendor's; the rest are marked by MarkVendorSeverity.
func GuessSeverity(inc *upstat.Incident, def upstat.Severity, texts ...string) {
	inc.Severity, inc.SeveritySource = TextSeverity(def, texts...), upstat.SeverityFromText
}

// MarkVendorSeverity marks every incident of snap whose severity an
// adapter did not mark as a guess as the vendor's own. The source
// registry applies it to every poll's snapshot, so an adapter only marks
// its guesses.
func MarkVendorSeverity(snap *upstat.Snapshot) {
	if snap == nil {
		return
	}
	for i := range snap.Incidents {
		if snap.Incidents[i].SeveritySource == "" {
			snap.Incidents[i].SeveritySource = upstat.SeverityFromVendor
		}
	}
}

var (
	spaces     = regexp.MustCompile(`[ \t\r\f\v\x{a0}]+`)
	blankLines = regexp.MustCompile(`\n\s*\n\s*`)
)

// Tidy collapses runs of spaces, keeps at most one blank line between
// paragraphs and trims.
func Tidy(s string) string {
	s = spaces.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, " \n", "\n")
	s = strings.ReplaceAll(s, "\n ", "\n")
	s = blankLines.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
