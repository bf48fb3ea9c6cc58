package aggregate

import (
	"context"
	"fmt"

	"github.com/upstat/upstat"
)

// Push folds a partial snapshot that a vendor pushed (a webhook delivery
// for its source sourceIdx) into the vendor's state at once, through the
// same diff, write and events as a poll:
//
//   - the components it names are updated (status and time); a component
//     named without a group (webhooks carry none) is matched by name among
//     the source's components when exactly one has that name. A component
//     the source never reported is not added: a delivery cannot invent a
//     component, the confirming poll brings it. Components it does not
//     name stay as they are;
//   - its incidents are upserted as a poll's are.
//
// It is not a poll: the source's poll times, error and warnings do not
// change. A delivery that changes nothing (the same one twice) writes
// nothing and returns changed false. An unknown vendor is an error
// wrapping upstat.ErrNotFound; a bad source index or a nil snapshot wraps
// upstat.ErrInvalid.
func (s *Service) Push(ctx context.Context, vendorID string, sourceIdx int, snap *upstat.Snapshot) (changed bool, err error) {
	if snap == nil {
		return false, fmt.Errorf("aggregate: push %s: %w: no snapshot", vendorID, upstat.ErrInvalid)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old, err := s.state(vendorID)
	if err != nil {
		return false, fmt.Errorf("aggregate: push: %w", err)
	}
	if sourceIdx < 0 || sourceIdx >= len(old.sources) {
		return false, fmt.Errorf("aggregate: push %s: %w: source %d of %d", vendorID, upstat.ErrInvalid, sourceIdx, len(old.sources))
	}
	var r *recorder
	if _, err := s.withFreshState(ctx, old, func(old *vendorState) error {
		r = newRecorder(old, s.clock())
		if list, matched := old.mergePushed(sourceIdx, snap.Components); matched {
			r.components(sourceIdx, list)
		}
		if err := r.incidents(ctx, s.db, snap.Incidents, s.log); err != nil {
			return err
		}
		r.finish(s.staleAfter)
		if len(r.ch.Events) == 0 && len(r.ch.Components) == 0 && len(r.ch.Incidents) == 0 {
			r = nil
			return nil
		}
		return s.apply(ctx, r)
	}); err != nil {
		return false, fmt.Errorf("aggregate: push: %w", err)
	}
	if r == nil {
		return false, nil
	}
	s.swap(vendorID, r.next, true)
	s.publish(ctx, r.ch.Events)
	return len(r.ch.Events) > 0, nil
}

// mergePushed returns source idx's components, in their order, with the
// pushed ones' status and time applied, and whether any pushed component
// matched one of them.
func (v *vendorState) mergePushed(idx int, pushed []upstat.Component) (list []upstat.Component, matched bool) {
	for i := range v.components {
		if int(v.components[i].sourceIdx) == idx {
			list = append(list, v.componentView(i))
		}
	}
	for _, p := range pushed {
		at := -1
		named := 0
		for i, c := range list {
			if c.Key() == p.Key() {
				at, named = i, 1
				break
			}
			if p.Group == "" && c.Name == p.Name {
				at = i
				named++
			}
		}
		if at < 0 || named != 1 {
			continue
		}
		list[at].Status, list[at].UpdatedAt = p.Status, p.UpdatedAt
		matched = true
	}
	return list, matched
}
