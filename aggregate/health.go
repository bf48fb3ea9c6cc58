package aggregate

import (
	"context"
	"time"

	"github.com/upstat/upstat"
)

// HealthChanges returns the vendor.stale and vendor.recovered events of a
// vendor since since, oldest first (see sqlite.DB.HealthChanges): the
// dashboard and the reports count the time between them as unseen.
func (s *Service) HealthChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	return s.db.HealthChanges(ctx, vendor, since)
}
