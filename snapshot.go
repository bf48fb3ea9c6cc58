package upstat

import (
	"context"
	"time"
)

// Snapshot is what one successful poll of one source says about its vendor,
// already normalised to our schema. Incident IDs in a Snapshot are the
// source's own ids (no vendor prefix); the aggregator prefixes them.
type Snapshot struct {
	// HasComponents is true when the source reports components at all; a
	// feed does not, and its empty Components must not erase the vendor's.
	HasComponents bool
	Components    []Component
	// Incidents the source currently lists (active and recent). An incident
	// that is absent is not thereby resolved: only an explicit resolution
	// closes it.
	Incidents []Incident
	// Indicator is the page-level status, when the source publishes one.
	Indicator *Severity
	// NotModified is true when the source answered "unchanged" (HTTP 304 or
	// an identical body): nothing else in the Snapshot is meaningful.
	NotModified bool
	// ListsAllOpen is true when the source lists every open incident of
	// the vendor (a Statuspage summary, a cloud's current-events feed, an
	// RSS feed whose items vanish when resolved). Then an active incident
	// absent from several consecutive such snapshots may be reconciled as
	// resolved by the aggregator; otherwise absence means nothing.
	ListsAllOpen bool
	// HistoryErr, when ListsAllOpen is set, says why the source's full
	// history listing could not be read this poll ("" when it was read or
	// the source has none). While it is set, vanished incidents stay open.
	HistoryErr string
	// Warnings name what the source returned but the adapter could not
	// read ("component \"API\": unrecognised status \"MAJOROUTAGE\""): the
	// snapshot is still recorded, and the warnings are shown on the
	// source's status until its next full snapshot.
	Warnings []string
	// Via, when set, names the kind that actually read the source when
	// it is not the configured one: kind auto sets it to the kind it
	// detected, and the API shows the source's kind as "auto→<via>".
	Via string `json:"via,omitempty"`
	// Commit, when set, is called by the poller once this snapshot has
	// been durably recorded, and never when recording failed. Adapters
	// remember validators (ETag, Last-Modified), body digests and cached
	// bodies only there, so a failed record makes the next poll fetch,
	// parse and record in full again instead of seeing "unchanged".
	Commit func() `json:"-"`
}

// OnCommit adds f to what runs when the snapshot is recorded (see Commit).
func (s *Snapshot) OnCommit(f func()) {
	if f == nil {
		return
	}
	prev := s.Commit
	if prev == nil {
		s.Commit = f
		return
	}
	s.Commit = func() { prev(); f() }
}

// IncidentFilter selects incidents for a listing. Zero values mean "any".
type IncidentFilter struct {
	Vendor      string
	State       string // "active", "resolved" or "" / "all"
	MinSeverity Severity
	HasMinSev   bool
	Since       *time.Time // started (or, for maintenance, scheduled) at or after
	Until       *time.Time // started before
	Limit       int
	After       *IncidentCursor // resume after this position (newest first)
}

// IncidentCursor is a position in the newest-first incident order.
type IncidentCursor struct {
	StartedAt time.Time
	ID        string
}

// Reader is the read side the API and dashboard depend on. Not found is
// reported as an error wrapping ErrNotFound, never (nil, nil).
type Reader interface {
	// Summary lists every configured vendor, in configuration order.
	Summary(ctx context.Context) ([]VendorSummary, error)
	// Vendor returns one vendor with components, active incidents, sources.
	Vendor(ctx context.Context, id string) (*Vendor, error)
	// Vendors returns every configured vendor as Vendor returns it, in
	// configuration order (metrics, alert evaluation, the dashboard).
	Vendors(ctx context.Context) ([]Vendor, error)
	// Incidents lists incidents newest first (by StartedAt, then ID
	// descending), at most f.Limit, and the cursor of the last one returned
	// when more may follow.
	Incidents(ctx context.Context, f IncidentFilter) ([]Incident, *IncidentCursor, error)
	// Incident returns one incident with all its updates, oldest first.
	Incident(ctx context.Context, id string) (*Incident, error)
	// Events returns up to limit events with Seq > after, oldest first.
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
}

// EventSource lets a consumer (SSE stream, alert engine) follow events live.
type EventSource interface {
	// Subscribe returns a channel of events committed after the call and a
	// function that ends the subscription. A subscriber that falls behind
	// by more than the channel's buffer is dropped (its channel closed) so
	// it never blocks the others; it can resume with Reader.Events.
	Subscribe() (<-chan Event, func())
}
