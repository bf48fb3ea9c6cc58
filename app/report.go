package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/aggregate"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/store/sqlite"
	"github.com/upstat/upstat/web"
)

// Report builds the SLA report of one vendor from cfg's database, as GET
// /api/v1/vendors/{id}/report does (for `upstat report`): [from, to) are
// midnights UTC. now is the clock (time.Now when nil).
func Report(ctx context.Context, cfg *config.Config, vendor string, from, to time.Time, now func() time.Time) (*upstat.Report, error) {
	if now == nil {
		now = time.Now
	}
	dsn, err := sqliteDSN(cfg.Storage)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	log := slog.New(slog.DiscardHandler)
	agg := aggregate.New(db, aggregate.Options{Now: now, StaleAfter: cfg.Poll.StaleAfter, Log: log,
		MaxActiveIncidents: cfg.Limits.MaxActiveIncidents, Retention: cfg.Retention})
	rep, err := func() (*upstat.Report, error) {
		if err := agg.Configure(ctx, vendorConfigs(cfg)); err != nil {
			return nil, fmt.Errorf("configure: %w", err)
		}
		dash, err := web.New(web.Options{Reader: agg, Now: now, Log: log})
		if err != nil {
			return nil, err
		}
		return dash.VendorReport(ctx, vendor, from, to)
	}()
	return rep, errors.Join(err, db.Close())
}
