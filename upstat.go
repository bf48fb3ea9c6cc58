// Package upstat holds the domain of the upstat status aggregator: the
// normalised schema every source is turned into (vendors, components,
// incidents, updates, events), the severity scale, and the small interfaces
// that the packages around it implement (sources → normalize → aggregate →
// alert → api). It imports nothing else from the project.
package upstat

import (
	"time"
)

// Component is one part of a vendor, as the vendor names it.
type Component struct {
	Name      string    `json:"name"`
	Group     string    `json:"group"`
	Status    Severity  `json:"status"`
	UpdatedAt time.Time `json:"updated_at"`
	// Hidden is true for components the vendor only shows while degraded
	// (Statuspage only_show_if_degraded). They are tracked like any other.
	Hidden bool `json:"-"`
}

// Key identifies a component within its vendor: names are unique only
// within a group (Cloudflare has hundreds of leaves under eight groups).
func (c Component) Key() string {
	if c.Group == "" {
		return c.Name
	}
	return c.Group + "/" + c.Name
}

// Kind says whether an incident is unplanned or a planned maintenance.
type Kind string

// Incident kinds.
const (
	KindIncident    Kind = "incident"
	KindMaintenance Kind = "maintenance"
)

// Update is one entry of an incident's timeline.
type Update struct {
	// ID is the source's own id for the update, or a stable derived key
	// (ordinal from oldest plus label) where the source has none. It is not
	// part of the API.
	ID     string        `json:"-"`
	At     time.Time     `json:"at"`
	Status IncidentState `json:"status"`
	Body   string        `json:"body"`
}

// Incident is something a vendor reported, with its timeline. Scheduled
// maintenance is an Incident of Kind maintenance.
type Incident struct {
	ID             string        `json:"id"` // see IncidentID
	Vendor         string        `json:"vendor"`
	Kind           Kind          `json:"kind"`
	Title          string        `json:"title"`
	URL            string        `json:"url"`
	Severity       Severity      `json:"severity"`
	Status         IncidentState `json:"status"`
	Components     []string      `json:"components"`
	StartedAt      time.Time     `json:"started_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	ResolvedAt     *time.Time    `json:"resolved_at"`
	ScheduledFor   *time.Time    `json:"scheduled_for"`
	ScheduledUntil *time.Time    `json:"scheduled_until"`
	Updates        []Update      `json:"updates,omitempty"`
	// SourceRef is the source's own id when ID could not carry it (see
	// IncidentID): a feed entry's link or guid.
	SourceRef string `json:"source_ref,omitempty"`
	// ClosedBy says who closed a closed incident: ClosedByVendor (the
	// vendor resolved it) or ClosedByUpstat (the vendor stopped listing
	// it); empty while open.
	ClosedBy string `json:"closed_by,omitempty"`
	// SeveritySource says where Severity came from: SeverityFromVendor
	// (the platform's own impact or status field) or SeverityFromText
	// (upstat's guess from the words of title and updates, or its default
	// when the vendor gave nothing to read). Empty only for incidents
	// recorded before upstat kept it.
	SeveritySource string `json:"severity_source,omitempty"`
}

// Values of Incident.SeveritySource.
const (
	SeverityFromVendor = "vendor"
	SeverityFromText   = "text"
)

// Values of Incident.ClosedBy.
const (
	ClosedByVendor = "vendor"
	ClosedByUpstat = "upstat"
)

// Active reports whether the incident is still open: not resolved, not a
// completed maintenance, and (for maintenance) already in progress.
func (i *Incident) Active() bool {
	return i.Status.Active()
}

// VendorSummary is one vendor's row in the summary.
type VendorSummary struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Status          Severity          `json:"status"`
	Stale           bool              `json:"stale"`
	LastCheckedAt   *time.Time        `json:"last_checked_at"`
	LastSuccessAt   *time.Time        `json:"last_success_at"`
	LastError       string            `json:"last_error"`
	ActiveIncidents int               `json:"active_incidents"`
	Labels          map[string]string `json:"labels,omitempty"`
	// StatusChangedAt is when Status last changed (for "time since the last
	// change" on the dashboard).
	StatusChangedAt *time.Time `json:"status_changed_at,omitempty"`
	// Observed is upstat's own view from the vendor's probes; absent for
	// a vendor without probes. It never changes Status.
	Observed *Observed `json:"observed,omitempty"`
	// Warnings counts the warnings of the vendor's sources (see
	// SourceStatus.Warnings), for the metric; the API lists them on the
	// vendor's sources instead.
	Warnings int `json:"-"`
	// FirstSuccessAt is when upstat first read the vendor successfully:
	// before it upstat has no data of its own (history bars show "no
	// data", uptime does not count it). Nil while never read.
	FirstSuccessAt *time.Time `json:"first_success_at,omitempty"`
}

// SourceStatus is what the API shows of one source of a vendor.
type SourceStatus struct {
	Kind          string     `json:"kind"`
	URL           string     `json:"url"`
	LastError     string     `json:"last_error"`
	LastCheckedAt *time.Time `json:"last_checked_at"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	// Warnings name what the source's last snapshot could not read (an
	// unrecognised status word): the data is there, but not all of it
	// was understood. Absent when there are none.
	Warnings []string `json:"warnings,omitempty"`
}

// Vendor is a vendor with its components, active incidents and sources.
type Vendor struct {
	VendorSummary
	Components []Component    `json:"components"`
	Incidents  []Incident     `json:"incidents"`
	Sources    []SourceStatus `json:"sources"`
}

// EventType names what an Event says happened.
type EventType string

// Event types, as listed in the API contract.
const (
	EventIncidentOpened         EventType = "incident.opened"
	EventIncidentUpdated        EventType = "incident.updated"
	EventIncidentResolved       EventType = "incident.resolved"
	EventVendorStatusChanged    EventType = "vendor.status_changed"
	EventComponentStatusChanged EventType = "component.status_changed"
	EventVendorStale            EventType = "vendor.stale"
	EventVendorRecovered        EventType = "vendor.recovered"
	// EventServiceStatusChanged is a configured service's derived status
	// changing; Event.Service names it and Vendor the vendor whose change
	// caused it.
	EventServiceStatusChanged EventType = "service.status_changed"
)

// Event is one change the aggregator observed. Events are totally ordered by
// Seq; the API exposes Seq only through opaque cursors.
type Event struct {
	Seq        int64     `json:"-"`
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Type       EventType `json:"type"`
	Vendor     string    `json:"vendor"`
	IncidentID string    `json:"incident_id,omitempty"`
	Component  string    `json:"component,omitempty"`
	Service    string    `json:"service,omitempty"`
	From       Severity  `json:"from,omitempty"`
	To         Severity  `json:"to,omitempty"`
	// Backfill is true for the incident events of a source's first
	// successful poll: history imported (incidents opened, and often
	// resolved, before upstat watched), not changes observed as they
	// happened. Consumers that notify skip them.
	Backfill bool `json:"backfill,omitempty"`
}

// Carries reports which of From and To are meaningful for the event's
// type. Operational is the zero Severity, so a renderer must ask this
// instead of treating a zero value as absent: status changes and incident
// updates and resolutions carry both (the severity before and after);
// incident.opened carries To (a new incident has no "before") and so does
// vendor.stale (the status the vendor keeps while stale);
// vendor.recovered carries neither.
func (e Event) Carries() (from, to bool) {
	switch e.Type {
	case EventVendorStatusChanged, EventComponentStatusChanged, EventServiceStatusChanged,
		EventIncidentUpdated, EventIncidentResolved:
		return true, true
	case EventIncidentOpened, EventVendorStale:
		return false, true
	}
	return false, false
}

// Alert is an alert rule firing for a vendor (or one of its components).
type Alert struct {
	Rule      string            `json:"rule"`
	Vendor    string            `json:"vendor"`
	Component string            `json:"component"`
	Severity  Severity          `json:"severity"`
	Since     time.Time         `json:"since"`
	FiredAt   time.Time         `json:"fired_at"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// SummaryTotals is what a summary says about its vendors as a whole.
type SummaryTotals struct {
	Vendors int
	// Unknown counts the vendors without data (status unknown: never
	// fetched successfully, or nothing readable yet).
	Unknown int
	// Worst is the worst status among the vendors with data; Unknown
	// when no vendor has data.
	Worst Severity
}

// Add counts one vendor of status s.
func (t *SummaryTotals) Add(s Severity) {
	if t.Vendors == 0 {
		t.Worst = Unknown
	}
	t.Vendors++
	if s == Unknown {
		t.Unknown++
	}
	t.Worst = Worse(t.Worst, s)
}

// Status is the summary's overall status: the worst status among the
// vendors with data, unknown when no vendor has data, and operational
// when there is no vendor at all (nothing is watched, nothing is wrong).
// Whether vendors lack data is told apart, by Unknown.
func (t SummaryTotals) Status() Severity {
	if t.Vendors == 0 {
		return Operational
	}
	return t.Worst
}
