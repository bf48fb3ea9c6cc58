package aggregate

import (
	"context"
	"slices"

	"github.com/upstat/upstat"
)

// TouchFeed is a store shared by several replicas (store/postgres) that
// lists the poll times written by VendorStore.Touch. A poll that changes
// nothing but its poll times sends no change notification: a replica
// that does not poll the vendor learns them from this feed (Follow reads
// it every sweep).
type TouchFeed interface {
	// TouchesSince returns the poll times touched after cursor (0: every
	// vendor's), as VendorChanges holding only VendorID and the vendor's
	// and its sources' LastCheckedAt and LastSuccessAt, and the cursor to
	// pass next. Its cost is that of what changed since cursor.
	TouchesSince(ctx context.Context, cursor int64) ([]upstat.VendorChange, int64, error)
}

// followTouches brings the poll times of the read model up to what the
// other replicas wrote in their touch batches since the last call. Times
// only move forward: this replica's own, queued but not yet written, are
// kept.
func (s *Service) followTouches(ctx context.Context, feed TouchFeed) error {
	f := s.follow
	f.mu.Lock()
	cursor := f.touchCursor
	f.mu.Unlock()
	touched, next, err := feed.TouchesSince(ctx, cursor)
	if err != nil {
		return err
	}
	s.writeMu.Lock()
	for i := range touched {
		ch := &touched[i]
		old, err := s.state(ch.VendorID)
		if err != nil {
			continue // not configured here
		}
		if v := old.withPollTimes(ch); v != nil {
			s.swap(ch.VendorID, v, false) // poll times: the summary picks them up within a second
		}
	}
	s.writeMu.Unlock()
	f.mu.Lock()
	f.touchCursor = next
	f.mu.Unlock()
	return nil
}

// pollTimes is v's poll times as followTouches reads them.
func (v *vendorState) pollTimes() *upstat.VendorChange {
	ch := &upstat.VendorChange{VendorID: v.row.ID, Vendor: &upstat.VendorRecord{
		LastCheckedAt: v.row.LastCheckedAt, LastSuccessAt: v.row.LastSuccessAt}}
	for i, src := range v.sources {
		ch.Sources = append(ch.Sources, upstat.SourceRecord{Idx: i, LastCheckedAt: src.LastCheckedAt, LastSuccessAt: src.LastSuccessAt})
	}
	return ch
}

// withPollTimes returns a copy of v with each poll time of ch (the
// vendor's, its sources') that is later than v's, or nil when none is.
func (v *vendorState) withPollTimes(ch *upstat.VendorChange) *vendorState {
	row, sources := v.row, v.sources
	moved, cloned := false, false
	if ch.Vendor != nil {
		row.LastCheckedAt = latest(row.LastCheckedAt, ch.Vendor.LastCheckedAt)
		row.LastSuccessAt = latest(row.LastSuccessAt, ch.Vendor.LastSuccessAt)
		moved = row.LastCheckedAt != v.row.LastCheckedAt || row.LastSuccessAt != v.row.LastSuccessAt
	}
	for _, src := range ch.Sources {
		if src.Idx < 0 || src.Idx >= len(v.sources) {
			continue
		}
		o := v.sources[src.Idx]
		checked, success := latest(o.LastCheckedAt, src.LastCheckedAt), latest(o.LastSuccessAt, src.LastSuccessAt)
		if checked == o.LastCheckedAt && success == o.LastSuccessAt {
			continue
		}
		if !cloned {
			sources, cloned = slices.Clone(v.sources), true
		}
		sources[src.Idx].LastCheckedAt, sources[src.Idx].LastSuccessAt = checked, success
		moved = true
	}
	if !moved {
		return nil
	}
	next := *v
	next.row, next.sources = row, sources
	next.enc = &vendorJSON{}
	return &next
}
