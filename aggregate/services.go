package aggregate

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/services"
)

var _ upstat.ServiceReader = (*Service)(nil)

// serviceSet holds the configured services (see SetServices).
type serviceSet struct {
	mu   sync.RWMutex
	list []upstat.ServiceConfig
}

func (ss *serviceSet) get() []upstat.ServiceConfig {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	return ss.list
}

// SetServices sets the services whose status is derived from the vendors
// (package services). From then on a recorded poll that changes a
// service's status also writes the event service.status_changed, in the
// same transaction as the vendor's own events.
func (s *Service) SetServices(list []upstat.ServiceConfig) {
	s.svcs.mu.Lock()
	defer s.svcs.mu.Unlock()
	s.svcs.list = slices.Clone(list)
}

// Services returns every configured service with its derived status, in
// configuration order.
func (s *Service) Services(ctx context.Context) ([]upstat.ServiceStatus, error) {
	vendors, err := s.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	return services.EvaluateAll(s.svcs.get(), vendors), nil
}

// Service returns one configured service with its derived status; an
// unknown id is an error wrapping upstat.ErrNotFound.
func (s *Service) Service(ctx context.Context, id string) (*upstat.ServiceStatus, error) {
	list := s.svcs.get()
	i := slices.IndexFunc(list, func(c upstat.ServiceConfig) bool { return c.ID == id })
	if i < 0 {
		return nil, fmt.Errorf("aggregate: service %q: %w", id, upstat.ErrNotFound)
	}
	vendors := map[string]*upstat.Vendor{}
	for _, d := range list[i].DependsOn {
		if st, err := s.state(d.Vendor); err == nil && vendors[d.Vendor] == nil {
			v := st.view()
			vendors[d.Vendor] = &v
		}
	}
	out := services.Evaluate(list[i], vendors)
	return &out, nil
}

// serviceEvents returns a service.status_changed event for each service
// whose status changes when vendor id moves to next. The caller holds
// writeMu, so the other vendors' states are the current ones.
func (s *Service) serviceEvents(id string, next *vendorState, now time.Time) []upstat.Event {
	var events []upstat.Event
	for _, svc := range s.svcs.get() {
		if !slices.ContainsFunc(svc.DependsOn, func(d upstat.Dependency) bool { return d.Vendor == id }) {
			continue
		}
		before, after := map[string]*upstat.Vendor{}, map[string]*upstat.Vendor{}
		for _, d := range svc.DependsOn {
			st, err := s.state(d.Vendor)
			if err != nil || before[d.Vendor] != nil {
				continue
			}
			v := st.view()
			before[d.Vendor], after[d.Vendor] = &v, &v
		}
		if before[id] == nil {
			continue // the vendor is being configured: no "before" to compare with
		}
		v := next.view()
		after[id] = &v
		from, to := services.Evaluate(svc, before).Status, services.Evaluate(svc, after).Status
		if from != to {
			events = append(events, upstat.Event{At: now, Type: upstat.EventServiceStatusChanged, Vendor: id,
				Service: svc.ID, From: from, To: to})
		}
	}
	return events
}
