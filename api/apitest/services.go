package apitest

import (
	"context"
	"fmt"
	"slices"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/services"
)

// Services is an upstat.ServiceReader deriving the services' statuses from
// a Reader's vendors with the real rule (package services).
type Services struct {
	Reader upstat.Reader
	List   []upstat.ServiceConfig
}

var _ upstat.ServiceReader = (*Services)(nil)

// Services implements upstat.ServiceReader.
func (s *Services) Services(ctx context.Context) ([]upstat.ServiceStatus, error) {
	vs, err := s.Reader.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	return services.EvaluateAll(s.List, vs), nil
}

// Service implements upstat.ServiceReader.
func (s *Services) Service(ctx context.Context, id string) (*upstat.ServiceStatus, error) {
	list, err := s.Services(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(st upstat.ServiceStatus) bool { return st.ID == id })
	if i < 0 {
		return nil, fmt.Errorf("apitest: service %q: %w", id, upstat.ErrNotFound)
	}
	return &list[i], nil
}
