package aggregate

import (
	"context"
	"time"

	"github.com/upstat/upstat"
)

// VendorEvents returns vendor's events of the given types at or after
// since, oldest first, from the store's per-vendor index
// (reliability.VendorEvents).
func (s *Service) VendorEvents(ctx context.Context, vendor string, since time.Time, types ...upstat.EventType) ([]upstat.Event, error) {
	return s.db.VendorEvents(ctx, vendor, since, types...)
}
