package aggregate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// Record folds one poll of one source into its vendor's state, writes what
// changed in one transaction, and then publishes the resulting events.
//
//   - pollErr != nil: the source's error is recorded and nothing the vendor
//     said before is dropped; once the source has failed for StaleAfter the
//     vendor turns stale (event vendor.stale). A vendor that never had a
//     successful poll stays unknown.
//   - snap.NotModified: a success that changes no component or incident.
//   - otherwise components (when snap.HasComponents) and incidents are
//     upserted; an unchanged incident costs no write; an incident missing
//     from the snapshot is left as it is.
//   - a failed write (SQLITE_BUSY, SQLITE_FULL, ...) is returned and makes
//     the poll a failure of its source ("store: ..." in last_error,
//     counting toward stale): nothing of the snapshot is kept, and the
//     caller must not commit it (see upstat.Snapshot.Commit). So does a
//     snapshot that would take the vendor over MaxActiveIncidents open
//     incidents.
//
// Events, in order: vendor.recovered, component.status_changed (only for
// components already known: a component appearing is not a change of
// status), incident.opened / incident.updated / incident.resolved (an
// incident first seen already closed gets incident.opened then
// incident.resolved), vendor.status_changed, vendor.stale, then
// service.status_changed for each configured service the poll moved (see
// SetServices).
//
// With a store shared by several replicas, a write computed from a state
// another replica has since changed (upstat.ErrConflict) is recomputed
// from what that replica wrote, so each transition is recorded once.
//
// An unknown vendor is an error wrapping upstat.ErrNotFound; a bad source
// index or a nil snapshot without an error wraps upstat.ErrInvalid.
func (s *Service) Record(ctx context.Context, vendorID string, sourceIdx int, snap *upstat.Snapshot, pollErr error) error {
	_, err := s.RecordChange(ctx, vendorID, sourceIdx, snap, pollErr)
	return err
}

// RecordChange is Record, and reports whether the poll changed what
// readers see: it produced events, or the vendor's error or staleness
// changed (poll.ChangeRecorder).
func (s *Service) RecordChange(ctx context.Context, vendorID string, sourceIdx int, snap *upstat.Snapshot, pollErr error) (changed bool, err error) {
	if snap == nil && pollErr == nil {
		return false, fmt.Errorf("aggregate: record %s: %w: no snapshot and no error", vendorID, upstat.ErrInvalid)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old, err := s.state(vendorID)
	if err != nil {
		return false, fmt.Errorf("aggregate: record: %w", err)
	}
	if sourceIdx < 0 || sourceIdx >= len(old.sources) {
		return false, fmt.Errorf("aggregate: record %s: %w: source %d of %d", vendorID, upstat.ErrInvalid, sourceIdx, len(old.sources))
	}
	var r *recorder
	old, err = s.withFreshState(ctx, old, func(old *vendorState) error {
		r = newRecorder(old, s.clock())
		return s.recordPoll(ctx, r, sourceIdx, snap, pollErr)
	})
	if err != nil {
		var rej *rejectedError
		switch {
		case errors.As(err, &rej):
			s.pollFailed(ctx, old, sourceIdx, err)
		case ctx.Err() == nil:
			s.pollFailed(ctx, old, sourceIdx, fmt.Errorf("store: %w", err))
		}
		return true, fmt.Errorf("aggregate: record: %w", err)
	}
	if key := (sourceKey{vendorID, sourceIdx}); r.listing != nil {
		s.listings[key] = r.listing
	} else if pollErr == nil {
		delete(s.listings, key)
	}
	changed = len(r.ch.Events) > 0 || old.row.LastError != r.next.row.LastError || old.row.Stale != r.next.row.Stale ||
		!slices.EqualFunc(old.warnings, r.next.warnings, slices.Equal) || !slices.Equal(old.via, r.next.via)
	s.swap(vendorID, r.next, changed)
	s.publish(ctx, r.ch.Events)
	return changed, nil
}

// recordPoll folds the poll into r and writes the change.
func (s *Service) recordPoll(ctx context.Context, r *recorder, sourceIdx int, snap *upstat.Snapshot, pollErr error) error {
	r.observe(sourceIdx, snap, pollErr)
	if pollErr == nil && !snap.NotModified {
		if snap.HasComponents {
			r.components(sourceIdx, snap.Components)
		}
		if err := r.incidents(ctx, s.db, snap.Incidents, s.log); err != nil {
			return err
		}
	}
	if pollErr == nil {
		r.listing = r.reconcile(s.listings[sourceKey{r.old.row.ID, sourceIdx}], sourceIdx, snap, s.reconcile)
		if n := len(r.next.incs); n > s.maxActive && n > len(r.old.incs) {
			return &rejectedError{fmt.Sprintf("%d open incidents, over the limit of %d (limits.max_active_incidents): nothing stored", n, s.maxActive)}
		}
	}
	r.finish(s.staleAfter)
	r.ch.Events = append(r.ch.Events, s.serviceEvents(r.old.row.ID, r.next, r.now)...)
	if r.timesOnly() {
		// Only poll times moved: batched with others, about a second
		// later (a crash loses at most that second of poll times).
		return s.db.Touch(&r.ch)
	}
	return s.apply(ctx, r)
}

// rejectedError is a snapshot the aggregator refuses to store (over a
// limit): the poll fails with this message.
type rejectedError struct{ msg string }

func (e *rejectedError) Error() string { return e.msg }

// pollFailed makes a poll whose snapshot could not be kept (the write
// failed: cause is "store: …"; or it was refused) a failure of its
// source: last_error says cause and the source counts toward stale, as
// any failed poll does, so the vendor is never shown as current while
// what it said is lost. The snapshot's Commit is not run (the poller runs
// it only after a successful record), so the next poll fetches and
// records in full. The error is written if the database takes it; if
// not, it is shown from memory all the same (the next successful write
// stores the source's health), and the events it produced (vendor.stale)
// are logged but cannot be stored.
func (s *Service) pollFailed(ctx context.Context, old *vendorState, sourceIdx int, cause error) {
	var r *recorder
	old, werr := s.withFreshState(ctx, old, func(old *vendorState) error {
		r = newRecorder(old, s.clock())
		r.observe(sourceIdx, nil, cause)
		r.finish(s.staleAfter)
		r.ch.Events = append(r.ch.Events, s.serviceEvents(old.row.ID, r.next, r.now)...)
		return s.apply(ctx, r)
	})
	s.swap(old.row.ID, r.next, true)
	if werr == nil {
		s.publish(ctx, r.ch.Events)
		return
	}
	for _, e := range r.ch.Events {
		s.log.Warn("event not stored", "type", string(e.Type), "vendor", e.Vendor, "err", werr)
	}
}

// CheckStale marks stale every configured vendor with a source failing for
// at least StaleAfter, even if no poll was recorded since (the scheduler
// calls it periodically), emitting vendor.stale once.
func (s *Service) CheckStale(ctx context.Context) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.RLock()
	ids := slices.Clone(s.order)
	s.mu.RUnlock()
	now := s.clock()
	for _, id := range ids {
		old, err := s.state(id)
		if err != nil {
			return fmt.Errorf("aggregate: check stale: %w", err)
		}
		if !old.mayGoStale() {
			continue
		}
		var r *recorder
		if _, err := s.withFreshState(ctx, old, func(old *vendorState) error {
			r = newRecorder(old, now)
			r.finish(s.staleAfter)
			if !r.healthChanged() {
				r = nil
				return nil
			}
			r.ch.Events = append(r.ch.Events, s.serviceEvents(id, r.next, now)...)
			return s.apply(ctx, r)
		}); err != nil {
			return fmt.Errorf("aggregate: check stale: %w", err)
		}
		if r == nil {
			continue
		}
		s.swap(id, r.next, true)
		s.publish(ctx, r.ch.Events)
	}
	return nil
}

// mayGoStale reports whether time alone can change the vendor's health:
// it is stale, or one of its sources is failing. The others are skipped
// by CheckStale, which runs every few seconds over every vendor (at 10,000
// vendors, building a recorder for each was most of what the aggregator
// allocated between changes).
func (v *vendorState) mayGoStale() bool {
	if v.row.Stale {
		return true
	}
	for i := range v.sources {
		if v.sources[i].FailingSince != nil {
			return true
		}
	}
	return false
}

// recorder builds the next state of one vendor and the Change that
// persists it.
type recorder struct {
	now  time.Time
	old  *vendorState
	next *vendorState
	ch   upstat.VendorChange

	incsCopied            bool
	compEvents, incEvents []upstat.Event
	// backfill is set when the poll is its source's first success: its
	// incident events import history (upstat.Event.Backfill).
	backfill bool
	// listing is the source's next listing (reconcile), nil when the
	// source does not list every open incident.
	listing *listing
}

func newRecorder(old *vendorState, now time.Time) *recorder {
	next := *old
	next.sources = slices.Clone(old.sources)
	next.warnings = slices.Clone(old.warnings)
	next.via = slices.Clone(old.via)
	next.enc = &vendorJSON{}
	base := old.row.Version
	return &recorder{now: now, old: old, next: &next, ch: upstat.VendorChange{VendorID: old.row.ID, Base: &base}}
}

func (r *recorder) event(typ upstat.EventType) upstat.Event {
	return upstat.Event{At: r.now, Type: typ, Vendor: r.old.row.ID}
}

// observe records the outcome of the poll on the source.
func (r *recorder) observe(idx int, snap *upstat.Snapshot, pollErr error) {
	src := r.next.sources[idx]
	now := r.now
	r.backfill = pollErr == nil && src.LastSuccessAt == nil
	src.LastCheckedAt = &now
	if pollErr != nil {
		src.LastError = pollErr.Error()
		if src.FailingSince == nil {
			src.FailingSince = &now
		}
	} else {
		src.LastError, src.FailingSince, src.LastSuccessAt = "", nil, &now
		if !snap.NotModified {
			r.next.warnings[idx] = slices.Clone(snap.Warnings)
			r.next.via[idx] = snap.Via
			src.Indicator = nil
			if snap.Indicator != nil {
				ind := *snap.Indicator
				src.Indicator = &ind
			}
		}
	}
	r.next.sources[idx] = src
	r.ch.Sources = append(r.ch.Sources, src)
}

// components upserts what a components-bearing snapshot of source idx
// lists and drops that source's components it no longer lists.
func (r *recorder) components(idx int, list []upstat.Component) {
	old := r.old
	index := old.componentIndex()
	seen := make(map[upstat.ComponentKey]bool, len(list))
	for pos, c := range list {
		c.UpdatedAt = normTime(c.UpdatedAt)
		k := componentKey(c)
		if seen[k] {
			continue // a duplicate on the page: the first one counts
		}
		seen[k] = true
		nc := upstat.ComponentRecord{Component: c, SourceIdx: idx, Pos: pos}
		i, known := index[k]
		if known {
			prev := old.component(i)
			if sameComponent(prev, nc) {
				continue
			}
			if prev.Status != c.Status {
				e := r.event(upstat.EventComponentStatusChanged)
				e.Component, e.From, e.To = c.Key(), prev.Status, c.Status
				r.compEvents = append(r.compEvents, e)
			}
		}
		r.ch.Components = append(r.ch.Components, nc)
	}
	for i := range old.components {
		if k := old.key(i); int(old.components[i].sourceIdx) == idx && !seen[k] {
			r.ch.RemovedComponents = append(r.ch.RemovedComponents, k)
		}
	}
	if len(r.ch.Components) == 0 && len(r.ch.RemovedComponents) == 0 {
		return
	}
	// Rebuild: the old components less those removed or replaced, plus
	// the new and changed ones.
	drop := make(map[upstat.ComponentKey]bool, len(r.ch.Components)+len(r.ch.RemovedComponents))
	for _, k := range r.ch.RemovedComponents {
		drop[k] = true
	}
	for _, c := range r.ch.Components {
		drop[componentKey(c.Component)] = true
	}
	all := make([]upstat.ComponentRecord, 0, len(old.components)+len(r.ch.Components))
	for i := range old.components {
		if !drop[old.key(i)] {
			all = append(all, old.component(i))
		}
	}
	all = append(all, r.ch.Components...)
	r.next.setComponents(all)
}

func sameComponent(a, b upstat.ComponentRecord) bool {
	return a.Status == b.Status && a.Hidden == b.Hidden && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.SourceIdx == b.SourceIdx && a.Pos == b.Pos
}

// incidents upserts the snapshot's incidents whose content changed. Only
// open incidents are kept in memory: one the state does not hold is looked
// up in the database, so a closed incident still listed (or listed again)
// is not taken for a new one.
func (r *recorder) incidents(ctx context.Context, db upstat.VendorStore, list []upstat.Incident, log *slog.Logger) error {
	norm := make([]upstat.Incident, 0, len(list))
	var unknown []string
	for i := range list {
		if list[i].ID == "" {
			log.Warn("incident without id skipped", "vendor", r.old.row.ID, "title", list[i].Title)
			continue
		}
		inc := normIncident(r.old.row.ID, &list[i])
		norm = append(norm, inc)
		if _, ok := r.next.incs[inc.ID]; !ok {
			unknown = append(unknown, inc.ID)
		}
	}
	stored := map[string]upstat.IncidentRecord{}
	if len(unknown) > 0 {
		var err error
		if stored, err = db.IncidentsByID(ctx, unknown); err != nil {
			return err
		}
	}
	for i := range norm {
		inc := &norm[i]
		full, notice := incidentHashes(inc)
		prev, known := r.next.incs[inc.ID]
		if !known {
			prev, known = stored[inc.ID]
		}
		if known && prev.Hash == full {
			continue
		}
		row := upstat.IncidentRecord{Incident: *inc, Hash: full, NoticeHash: notice}
		r.ch.Incidents = append(r.ch.Incidents, row)
		r.copyIncidents()
		if row.Status.Closed() {
			delete(r.next.incs, inc.ID)
		} else {
			row.Updates = nil
			r.next.incs[inc.ID] = row
		}
		// A snapshot listing the same incident twice: the second one
		// compares with the first.
		stored[inc.ID] = row
		r.incidentEvents(known, &prev.Incident, inc, prev.NoticeHash != notice)
	}
	if r.incsCopied {
		r.next.deriveActive()
	}
	return nil
}

func (r *recorder) incidentEvents(known bool, prev, inc *upstat.Incident, noticed bool) {
	add := func(typ upstat.EventType, from upstat.Severity) {
		e := r.event(typ)
		e.IncidentID, e.From, e.To, e.Backfill = inc.ID, from, inc.Severity, r.backfill
		r.incEvents = append(r.incEvents, e)
	}
	switch {
	case !known:
		add(upstat.EventIncidentOpened, upstat.Unknown)
		if inc.Status.Closed() {
			add(upstat.EventIncidentResolved, inc.Severity)
		}
	case inc.Status.Closed() && !prev.Status.Closed():
		add(upstat.EventIncidentResolved, prev.Severity)
	case noticed:
		add(upstat.EventIncidentUpdated, prev.Severity)
	}
}

// normIncident gives a snapshot's incident its stored form: its id
// (upstat.IncidentID: prefixed, path-safe, with source_ref), vendor, normalised times, a key for every update, and the fallbacks for
// missing kind, start and resolution times.
func normIncident(vendorID string, in *upstat.Incident) upstat.Incident {
	inc := *in
	inc.ID, inc.SourceRef = upstat.IncidentID(vendorID, in.ID)
	inc.Vendor = vendorID
	if inc.Kind == "" {
		inc.Kind = upstat.KindIncident
	}
	inc.Components = slices.Clone(in.Components)
	if inc.Components == nil {
		inc.Components = []string{}
	}
	inc.StartedAt, inc.UpdatedAt = normTime(in.StartedAt), normTime(in.UpdatedAt)
	inc.ResolvedAt, inc.ScheduledFor, inc.ScheduledUntil = normTimePtr(in.ResolvedAt), normTimePtr(in.ScheduledFor), normTimePtr(in.ScheduledUntil)
	inc.Updates = make([]upstat.Update, len(in.Updates))
	var first, last time.Time
	for i, u := range in.Updates {
		u.At = normTime(u.At)
		inc.Updates[i] = u
		if first.IsZero() || u.At.Before(first) {
			first = u.At
		}
		if u.At.After(last) {
			last = u.At
		}
	}
	normalize.KeyUpdates(inc.Updates) // an update without an id of its own
	if inc.StartedAt.IsZero() {
		inc.StartedAt = firstNonZero(first, deref(inc.ScheduledFor), inc.UpdatedAt)
	}
	if inc.Status.Closed() {
		inc.ClosedBy = upstat.ClosedByVendor
	}
	if inc.ResolvedAt == nil && inc.Status.Closed() {
		if t := firstNonZero(last, inc.UpdatedAt); !t.IsZero() {
			inc.ResolvedAt = &t
		}
	}
	return inc
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// finish derives the vendor's health from its sources (last check and
// success, errors, staleness) and its status, and queues the vendor row and
// the events in their documented order.
func (r *recorder) finish(staleAfter time.Duration) {
	row := &r.next.row
	row.LastCheckedAt, row.LastSuccessAt, row.FailingSince = nil, nil, nil
	var errs []string
	stale := false
	for _, s := range r.next.sources {
		row.LastCheckedAt = latest(row.LastCheckedAt, s.LastCheckedAt)
		row.LastSuccessAt = latest(row.LastSuccessAt, s.LastSuccessAt)
		if s.FailingSince != nil {
			if row.FailingSince == nil || s.FailingSince.Before(*row.FailingSince) {
				row.FailingSince = s.FailingSince
			}
			stale = stale || r.now.Sub(*s.FailingSince) >= staleAfter
		}
		if s.LastError != "" {
			errs = append(errs, s.LastError)
		}
	}
	row.LastError = strings.Join(errs, "; ")
	row.Stale = stale
	if row.FirstSuccessAt == nil {
		row.FirstSuccessAt = row.LastSuccessAt
	}
	row.Status = r.next.status()

	var events []upstat.Event
	if r.old.row.Stale && !stale {
		events = append(events, r.event(upstat.EventVendorRecovered))
	}
	events = append(events, r.compEvents...)
	events = append(events, r.incEvents...)
	if row.Status != r.old.row.Status {
		now := r.now
		row.StatusChangedAt = &now
		e := r.event(upstat.EventVendorStatusChanged)
		e.From, e.To = r.old.row.Status, row.Status
		events = append(events, e)
	}
	if stale && !r.old.row.Stale {
		e := r.event(upstat.EventVendorStale)
		e.To = row.Status
		events = append(events, e)
	}
	r.ch.Events = events
	v := *row
	r.ch.Vendor = &v
}

// timesOnly reports whether the change moves nothing but poll times (the
// vendor's and its sources' last check and last success).
func (r *recorder) timesOnly() bool {
	ch := &r.ch
	if len(ch.Events) > 0 || len(ch.Components) > 0 || len(ch.RemovedComponents) > 0 || len(ch.Incidents) > 0 {
		return false
	}
	a, b := r.old.row, r.next.row
	if a.Stale != b.Stale || a.Status != b.Status || a.LastError != b.LastError ||
		!sameTime(a.StatusChangedAt, b.StatusChangedAt) || !sameTime(a.FailingSince, b.FailingSince) ||
		!sameTime(a.FirstSuccessAt, b.FirstSuccessAt) {
		return false
	}
	for _, s := range ch.Sources {
		o := r.old.sources[s.Idx]
		if o.LastError != s.LastError || !sameTime(o.FailingSince, s.FailingSince) || !sameSeverity(o.Indicator, s.Indicator) {
			return false
		}
	}
	return true
}

func sameSeverity(a, b *upstat.Severity) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// healthChanged reports whether finish changed anything worth a write when
// no poll was observed.
func (r *recorder) healthChanged() bool {
	a, b := r.old.row, r.next.row
	return len(r.ch.Events) > 0 || a.Stale != b.Stale || a.Status != b.Status || a.LastError != b.LastError ||
		!sameTime(a.LastCheckedAt, b.LastCheckedAt) || !sameTime(a.LastSuccessAt, b.LastSuccessAt) ||
		!sameTime(a.FailingSince, b.FailingSince)
}

func latest(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.After(*a)) {
		return b
	}
	return a
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
