package normalize

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/upstat/upstat"
)

// Entry is one dated entry of a source without a lifecycle (a blog post,
// a notice on a page), read as an incident of one update: Updates[0] is
// the entry (its At the entry's time, its Status closed when the entry
// says the problem is over), and the rest was set by Finish. UpdatedAt
// may be later than the update (an edited post).
type Entry struct {
	upstat.Incident
	// Own is true when the entry states its own lifecycle (a status
	// word on a page) or has no time: it is an incident of its own and
	// only the age cap applies to it.
	Own bool
	// ClosesOnly is true for a resolution that is not an incident by
	// itself (a "Resolved: all systems operational" post that no match
	// keyword selects): it resolves the open incident of its kind, and is
	// dropped when none is open.
	ClosesOnly bool
}

// Chain applies the lifecycle rule of sources without one (SPEC,
// "Incident lifecycle") to entries and returns the incidents, in the order
// of the entries that opened them, with the earliest time at which one
// still active stops being so by age (zero when none can). Entries are
// taken oldest first (ties in the given order), with one open incident per
// kind (incident, maintenance):
//
//   - an entry that says the problem is over resolves the open incident
//     of its kind: it is appended to it as its last update, and the
//     incident is resolved at its time. With nothing open it is an
//     incident of its own, resolved at its time, unless it is ClosesOnly
//     (then it is dropped).
//   - another entry continues the open incident when their titles are the
//     same or one extends the other word for word ("Service interruption"
//     and "Service interruption update"): it is appended as an update and
//     the worse severity is kept. Otherwise it supersedes the open
//     incident, which is resolved at the new entry's time, and opens its
//     own.
//   - an incident stops being open activeFor after its latest entry: it is
//     then resolved at that time, whether a later entry or now comes
//     first.
//
// An incident keeps the id of the entry that opened it (and that entry's
// update id); an appended update takes the id of its entry, so ids are
// stable across polls while the entries are.
func Chain(entries []Entry, activeFor time.Duration, now time.Time) ([]upstat.Incident, time.Time) {
	type chained struct {
		inc  upstat.Incident
		last time.Time // the time of its latest entry
	}
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return entries[a].Updates[0].At.Compare(entries[b].Updates[0].At)
	})
	out := make([]*chained, len(entries)) // by position of the opening entry
	open := map[upstat.Kind]*chained{}
	for _, i := range order {
		e := &entries[i]
		at := e.Updates[0].At
		if e.Own || at.IsZero() {
			out[i] = &chained{inc: e.Incident, last: at}
			continue
		}
		c := open[e.Kind]
		if c != nil && !at.Before(c.last.Add(activeFor)) {
			resolve(&c.inc, c.last.Add(activeFor))
			c = nil
		}
		closing := e.Updates[0].Status.Closed()
		if e.ClosesOnly && (c == nil || !closing) {
			continue // nothing open for it to close
		}
		if c != nil && (closing || continues(c.inc.Title, e.Title)) {
			appendEntry(&c.inc, e)
			c.last = at
			if closing {
				delete(open, e.Kind)
			}
			continue
		}
		if c != nil {
			resolve(&c.inc, at) // superseded
		}
		delete(open, e.Kind)
		out[i] = &chained{inc: e.Incident, last: at}
		if !closing {
			open[e.Kind] = out[i]
		}
	}
	// What is still open (a chain's last incident, an Own entry) is
	// capped by age now.
	var expiry time.Time
	incs := make([]upstat.Incident, 0, len(entries))
	for _, c := range out {
		if c == nil {
			continue // appended to another incident
		}
		if !c.inc.Status.Closed() && !c.last.IsZero() {
			end := c.last.Add(activeFor)
			if !now.Before(end) {
				resolve(&c.inc, end)
			} else if expiry.IsZero() || end.Before(expiry) {
				expiry = end
			}
		}
		incs = append(incs, c.inc)
	}
	return incs, expiry
}

// appendEntry adds entry e to the open incident inc as its latest update.
func appendEntry(inc *upstat.Incident, e *Entry) {
	u := e.Updates[0]
	u.ID = e.ID
	inc.Updates = append(slices.Clip(inc.Updates), u)
	inc.Status = u.Status
	if u.Status.Closed() {
		at := u.At
		inc.ResolvedAt = &at
	} else {
		inc.Severity = upstat.Worse(inc.Severity, e.Severity)
	}
	inc.UpdatedAt = later(inc.UpdatedAt, e.UpdatedAt)
	for _, name := range e.Components {
		if !slices.Contains(inc.Components, name) {
			inc.Components = append(slices.Clip(inc.Components), name)
		}
	}
}

// resolve closes an open incident at at without an update of its own (an
// entry superseded it, or it aged out).
func resolve(inc *upstat.Incident, at time.Time) {
	inc.Status = upstat.StateResolved
	if inc.Kind == upstat.KindMaintenance {
		inc.Status = upstat.StateCompleted
	}
	inc.ResolvedAt = &at
}

// continues reports whether two entry titles name one incident: the same
// words (case and punctuation aside), or one's words a prefix of the
// other's.
func continues(a, b string) bool {
	wa, wb := titleWords(a), titleWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	return slices.Equal(wa, wb[:len(wa)])
}

func titleWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
