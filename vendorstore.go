package upstat

import (
	"context"
	"time"
)

// VendorStore is where the aggregator keeps vendor state: the configured
// vendors and their health, sources, components, incidents with their
// updates, and the event log. store/sqlite and store/postgres implement
// it; store/storetest is the conformance suite both pass.
//
// The contract every implementation keeps:
//   - Apply writes one VendorChange in one transaction, or nothing. It
//     increments the vendor's Version; given the change's Base, it fails
//     with ErrConflict, writing nothing, unless the stored Version is
//     still Base: of two writers
//     that computed a change from the same state (two replicas), one
//     wins and the other reloads and recomputes, so a transition is
//     recorded once.
//   - An incident is unique by ID (upserted); its updates are unique by
//     (incident, Update.ID): a repeated update is never duplicated.
//   - Events get a Seq that grows in the order they become visible: a
//     reader that has seen Seq n never later sees a new event with a Seq
//     at or below n (the cursor of Events and of the event stream). ID is
//     Seq in decimal.
//   - Not found is an error wrapping ErrNotFound, never (nil, nil).
type VendorStore interface {
	// Configure records the configured vendors and their sources in one
	// transaction. Of each VendorState it reads ID, Name, Labels and the
	// Kind and URL of each source (whose Idx is its position). New
	// vendors start Unknown. A source whose kind or URL changed loses its
	// error state; sources beyond the configured count are deleted with
	// the components they reported. Vendors not listed keep their history.
	Configure(ctx context.Context, vendors []VendorState) error
	// LoadVendor reads what is stored about a vendor but its closed
	// incidents and incident updates (open incidents newest first).
	LoadVendor(ctx context.Context, id string) (*VendorState, error)
	// Apply writes ch in one transaction and sets the Seq and ID of its
	// events. On error nothing is written; if ch.Base is set and the
	// vendor's version is no longer *ch.Base the error wraps ErrConflict.
	Apply(ctx context.Context, ch *VendorChange) error
	// Touch queues the poll times of ch (LastCheckedAt and LastSuccessAt
	// of ch.Vendor and of each of ch.Sources, nothing else) to be written
	// soon, batched with other touches; a queued time never replaces a
	// later stored one.
	Touch(ch *VendorChange) error
	// FlushTouches writes every queued poll time now.
	FlushTouches(ctx context.Context) error
	// IncidentsByID returns the stored incidents among ids (without
	// updates), by id; ids not stored are absent.
	IncidentsByID(ctx context.Context, ids []string) (map[string]IncidentRecord, error)
	// Incidents lists incidents newest first (StartedAt, then ID,
	// descending) matching f, at most f.Limit (default
	// DefaultIncidentLimit, at most MaxIncidentLimit), and the cursor of
	// the last one when more follow. A bad State wraps ErrInvalid.
	Incidents(ctx context.Context, f IncidentFilter) ([]Incident, *IncidentCursor, error)
	// Incident returns one incident with all its updates, oldest first.
	Incident(ctx context.Context, id string) (*Incident, error)
	// Events returns up to limit events (default DefaultEventLimit, at
	// most MaxEventLimit) with Seq greater than after, oldest first.
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
	// LastEventSeq returns the Seq of the newest event, 0 when there is
	// none.
	LastEventSeq(ctx context.Context) (int64, error)
	// StatusChanges returns the vendor.status_changed and
	// component.status_changed events of vendor at or after since,
	// oldest first.
	StatusChanges(ctx context.Context, vendor string, since time.Time) ([]Event, error)
	// HealthChanges returns the vendor.stale and vendor.recovered events
	// of vendor at or after since, oldest first.
	HealthChanges(ctx context.Context, vendor string, since time.Time) ([]Event, error)
	// VendorEvents returns vendor's events of the given types (all types
	// when none are given) at or after since, oldest first.
	VendorEvents(ctx context.Context, vendor string, since time.Time, types ...EventType) ([]Event, error)
	// Prune deletes the closed incidents whose last time (resolved, else
	// updated, else started) is before cutoff, with their updates, and
	// the events before cutoff, at most batch rows per transaction. Open
	// incidents are never pruned.
	Prune(ctx context.Context, cutoff time.Time, batch int) (Pruned, error)
}

// Listing limits of VendorStore.Incidents and VendorStore.Events.
const (
	DefaultIncidentLimit = 50
	MaxIncidentLimit     = 500
	DefaultEventLimit    = 100
	MaxEventLimit        = 1000
)

// VendorRecord is a vendor's stored row: its configuration and its health.
type VendorRecord struct {
	ID     string
	Name   string
	Labels map[string]string
	// Status is the last computed status; Unknown until a first success.
	Status          Severity
	Stale           bool
	LastCheckedAt   *time.Time
	LastSuccessAt   *time.Time
	LastError       string
	StatusChangedAt *time.Time
	// FailingSince is the earliest FailingSince of its failing sources.
	FailingSince *time.Time
	// FirstSuccessAt is when a poll of the vendor first succeeded.
	FirstSuccessAt *time.Time
	// Version counts the Applies of the vendor (Touch leaves it); see
	// VendorChange.Base.
	Version int64
}

// SourceRecord is one source of a vendor, identified by its position Idx
// in the vendor's configuration, with its poll health.
type SourceRecord struct {
	Idx           int
	Kind          string
	URL           string
	LastError     string
	LastCheckedAt *time.Time
	LastSuccessAt *time.Time
	FailingSince  *time.Time
	// Indicator is the page-level status of the source's last snapshot.
	Indicator *Severity
}

// ComponentRecord is a vendor's component with where it was last
// reported.
type ComponentRecord struct {
	Component
	SourceIdx int // the source that last reported it
	Pos       int // its position in that source's snapshot
}

// ComponentKey names a component within its vendor.
type ComponentKey struct{ Group, Name string }

// IncidentRecord is a stored incident with the hashes that make an
// unchanged incident cost no write. Updates are filled by
// VendorStore.Incident and written by VendorStore.Apply; other reads leave
// them nil.
type IncidentRecord struct {
	Incident
	// Hash covers everything stored about the incident, updates included.
	Hash string
	// NoticeHash covers what an incident.updated event reports: title,
	// status, severity, components and updates.
	NoticeHash string
}

// VendorState is everything stored about one vendor except its
// incidents' updates.
type VendorState struct {
	VendorRecord
	Sources    []SourceRecord    // by Idx
	Components []ComponentRecord // by SourceIdx, then Pos
	// Incidents are the vendor's open incidents (not closed: active or
	// scheduled); closed ones are read on demand with IncidentsByID.
	Incidents []IncidentRecord
}

// VendorChange is what one observation of one vendor changes.
// VendorStore.Apply writes it in one transaction.
type VendorChange struct {
	VendorID string
	// Base, when set, is the VendorRecord.Version of the state the change
	// was computed from: Apply fails with ErrConflict unless it is still
	// the stored one. (Every Apply increments the version.)
	Base *int64
	// Vendor, when set, replaces the vendor's health columns (not its
	// name or labels, which only Configure writes).
	Vendor            *VendorRecord
	Sources           []SourceRecord // health columns replaced, by Idx
	Components        []ComponentRecord
	RemovedComponents []ComponentKey
	Incidents         []IncidentRecord // upserted; their updates upserted by Update.ID
	// Events are appended to the log in order; Apply sets their Seq and ID.
	Events []Event
}

// Pruned says what one VendorStore.Prune deleted.
type Pruned struct {
	Incidents int // closed incidents, with their updates
	Events    int
}

// ChangeFeed is implemented by a VendorStore that other processes write
// as well (store/postgres, shared by several replicas): it tells a
// replica which vendors the others changed, so its in-memory read model
// can follow (aggregate.Service.Follow).
type ChangeFeed interface {
	// WatchChanges calls f with the id of each vendor another process
	// changed, soon after the change commits, from one goroutine. It
	// returns ctx's error when ctx ends, or the error that broke the
	// feed: changes may then have been missed, and the caller reloads
	// what it shows before watching again.
	WatchChanges(ctx context.Context, f func(vendorID string)) error
}
