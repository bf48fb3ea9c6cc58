package aggregate

import (
	"context"
	"fmt"
	"slices"

	"github.com/upstat/upstat"
)

// SetObserved records a vendor's observed signal (upstat's own probes),
// shown beside its reported status and never changing it. A change to
// failing writes and publishes vendor.observed_failing, a change from
// failing to ok vendor.observed_ok; other changes (to or from unknown, a
// different set of failing probes) update the signal without an event.
// The signal lives in memory: after a restart it is unknown until the
// probes pass their thresholds again. An unknown vendor is an error
// wrapping upstat.ErrNotFound.
func (s *Service) SetObserved(ctx context.Context, vendorID string, obs upstat.Observed) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old, err := s.state(vendorID)
	if err != nil {
		return fmt.Errorf("aggregate: observed: %w", err)
	}
	obs.Since = normTime(obs.Since)
	obs.Failing = slices.Clone(obs.Failing)
	if obs.Failing == nil {
		obs.Failing = []string{}
	}
	prev := upstat.ObservedUnknown
	if old.observed != nil {
		prev = old.observed.Status
	}
	var typ upstat.EventType
	switch {
	case obs.Status == upstat.ObservedFailing && prev != upstat.ObservedFailing:
		typ = upstat.EventVendorObservedFailing
	case obs.Status == upstat.ObservedOK && prev == upstat.ObservedFailing:
		typ = upstat.EventVendorObservedOK
	}
	var events []upstat.Event
	if typ != "" {
		events = []upstat.Event{{At: s.clock(), Type: typ, Vendor: vendorID}}
		// Events only: not computed from the vendor's state, so written
		// whatever its version (and the version moves on).
		if err := s.db.Apply(ctx, &upstat.VendorChange{VendorID: vendorID, Events: events}); err != nil {
			return fmt.Errorf("aggregate: observed: %w", err)
		}
	}
	next := *old
	if typ != "" {
		next.row.Version++
	}
	next.enc = &vendorJSON{}
	next.observed = &obs
	s.swap(vendorID, &next, true)
	s.publish(ctx, events)
	return nil
}
