package aggregate

import (
	"context"
	"fmt"
	"time"

	"github.com/upstat/upstat/store/sqlite"
)

// Prune deletes what is older than the retention: closed incidents
// (with their updates) last touched before now-Retention, and events
// before it, in small transactions so polls are never held up for long.
// Open incidents and the vendors' current state are never pruned. Closed
// incidents are not held in memory, so readers see the change at once.
func (s *Service) Prune(ctx context.Context) (sqlite.Pruned, error) {
	p, err := s.db.Prune(ctx, s.clock().Add(-s.retention), pruneBatch)
	if err != nil {
		return p, fmt.Errorf("aggregate: %w", err)
	}
	if p.Incidents > 0 || p.Events > 0 {
		s.log.Info("pruned", "incidents", p.Incidents, "events", p.Events, "retention", s.retention.String())
	}
	return p, nil
}

// PruneEvery runs Prune at once and then every period until ctx ends,
// logging failures.
func (s *Service) PruneEvery(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if _, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("prune failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
