package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upstat/upstat"
)

const incidentColumns = `id, vendor_id, kind, title, url, severity, status, components, started_at, updated_at,
	resolved_at, scheduled_for, scheduled_until, hash, notice_hash, source_ref, closed_by, severity_source`

// queryIncidents runs a query selecting incidentColumns.
func (db *DB) queryIncidents(ctx context.Context, query string, args ...any) ([]upstat.IncidentRecord, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanIncidents(rows)
}

// scanIncidents reads rows of incidentColumns.
func scanIncidents(rows pgx.Rows) ([]upstat.IncidentRecord, error) {
	var out []upstat.IncidentRecord
	for rows.Next() {
		var inc upstat.IncidentRecord
		var kind, status string
		var updated, resolved, schedFor, schedUntil *time.Time
		if err := rows.Scan(&inc.ID, &inc.Vendor, &kind, &inc.Title, &inc.URL, &inc.Severity, &status, &inc.Components,
			&inc.StartedAt, &updated, &resolved, &schedFor, &schedUntil, &inc.Hash, &inc.NoticeHash, &inc.SourceRef, &inc.ClosedBy, &inc.SeveritySource); err != nil {
			return nil, err
		}
		inc.Kind, inc.Status = upstat.Kind(kind), upstat.IncidentState(status)
		inc.StartedAt = inc.StartedAt.UTC()
		if updated != nil {
			inc.UpdatedAt = updated.UTC()
		}
		inc.ResolvedAt, inc.ScheduledFor, inc.ScheduledUntil = utcPtr(resolved), utcPtr(schedFor), utcPtr(schedUntil)
		out = append(out, inc)
	}
	return out, rows.Err()
}

// Incidents implements upstat.VendorStore.
func (db *DB) Incidents(ctx context.Context, f upstat.IncidentFilter) ([]upstat.Incident, *upstat.IncidentCursor, error) {
	var where, args = []string{}, []any{}
	// arg adds a parameter and returns its placeholder.
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Vendor != "" {
		where = append(where, "vendor_id = "+arg(f.Vendor))
	}
	switch f.State {
	case "", "all":
	case "active":
		where = append(where, "status = ANY("+arg(states(upstat.IncidentState.Active))+")")
	case "resolved":
		where = append(where, "status = ANY("+arg(states(upstat.IncidentState.Closed))+")")
	default:
		return nil, nil, fmt.Errorf("postgres: incidents: %w: state %q (want active, resolved or all)", upstat.ErrInvalid, f.State)
	}
	if f.HasMinSev {
		where = append(where, "severity >= "+arg(int(f.MinSeverity)))
	}
	if f.Since != nil {
		p := arg(ms(*f.Since))
		where = append(where, "(started_at >= "+p+" OR (kind = 'maintenance' AND scheduled_for >= "+p+"))")
	}
	if f.Until != nil {
		where = append(where, "started_at < "+arg(ms(*f.Until)))
	}
	if f.After != nil {
		where = append(where, "(started_at, id) < ("+arg(ms(f.After.StartedAt))+", "+arg(f.After.ID)+")")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = upstat.DefaultIncidentLimit
	}
	limit = min(limit, upstat.MaxIncidentLimit)
	q := `SELECT ` + incidentColumns + ` FROM incidents`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY started_at DESC, id DESC LIMIT ` + arg(limit+1)
	stored, err := db.queryIncidents(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: incidents: %w", err)
	}
	var next *upstat.IncidentCursor
	if len(stored) > limit {
		stored = stored[:limit]
		last := stored[limit-1]
		next = &upstat.IncidentCursor{StartedAt: last.StartedAt, ID: last.ID}
	}
	out := make([]upstat.Incident, len(stored))
	for i := range stored {
		out[i] = stored[i].Incident
	}
	return out, next, nil
}

// IncidentsByID implements upstat.VendorStore.
func (db *DB) IncidentsByID(ctx context.Context, ids []string) (map[string]upstat.IncidentRecord, error) {
	found, err := db.queryIncidents(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: incidents by id: %w", err)
	}
	out := make(map[string]upstat.IncidentRecord, len(found))
	for _, inc := range found {
		out[inc.ID] = inc
	}
	return out, nil
}

// Incident implements upstat.VendorStore. An unknown id is an error
// wrapping upstat.ErrNotFound.
func (db *DB) Incident(ctx context.Context, id string) (*upstat.Incident, error) {
	found, err := db.queryIncidents(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: incident %s: %w", id, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("postgres: incident %q: %w", id, upstat.ErrNotFound)
	}
	inc := found[0].Incident
	if inc.Updates, err = db.updates(ctx, id); err != nil {
		return nil, fmt.Errorf("postgres: incident %s updates: %w", id, err)
	}
	return &inc, nil
}

func (db *DB) updates(ctx context.Context, id string) ([]upstat.Update, error) {
	rows, err := db.pool.Query(ctx, `SELECT update_key, at, status, body FROM updates
		WHERE incident_id = $1 ORDER BY at, ord`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []upstat.Update{}
	for rows.Next() {
		var u upstat.Update
		var status string
		if err := rows.Scan(&u.ID, &u.At, &status, &u.Body); err != nil {
			return nil, err
		}
		u.At, u.Status = u.At.UTC(), upstat.IncidentState(status)
		out = append(out, u)
	}
	return out, rows.Err()
}

const eventColumns = `seq, at, type, vendor_id, incident_id, component, from_sev, to_sev, backfill, service`

// queryEvents runs a query selecting eventColumns, never returning nil.
func (db *DB) queryEvents(ctx context.Context, query string, args ...any) ([]upstat.Event, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []upstat.Event{}
	for rows.Next() {
		var e upstat.Event
		var typ string
		if err := rows.Scan(&e.Seq, &e.At, &typ, &e.Vendor, &e.IncidentID, &e.Component, &e.From, &e.To, &e.Backfill, &e.Service); err != nil {
			return nil, err
		}
		e.At, e.Type, e.ID = e.At.UTC(), upstat.EventType(typ), strconv.FormatInt(e.Seq, 10)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Events implements upstat.VendorStore.
func (db *DB) Events(ctx context.Context, after int64, limit int) ([]upstat.Event, error) {
	if limit <= 0 {
		limit = upstat.DefaultEventLimit
	}
	limit = min(limit, upstat.MaxEventLimit)
	out, err := db.queryEvents(ctx, `SELECT `+eventColumns+` FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	return out, nil
}

// StatusChanges implements upstat.VendorStore.
func (db *DB) StatusChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	return db.vendorEvents(ctx, "status changes", vendor, since, upstat.EventVendorStatusChanged, upstat.EventComponentStatusChanged)
}

// HealthChanges implements upstat.VendorStore.
func (db *DB) HealthChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	return db.vendorEvents(ctx, "health changes", vendor, since, upstat.EventVendorStale, upstat.EventVendorRecovered)
}

// VendorEvents implements upstat.VendorStore.
func (db *DB) VendorEvents(ctx context.Context, vendor string, since time.Time, types ...upstat.EventType) ([]upstat.Event, error) {
	return db.vendorEvents(ctx, "vendor events", vendor, since, types...)
}

// vendorEvents returns the events of the given types (all when none are
// given) of vendor at or after since, oldest first; what names the read
// in errors.
func (db *DB) vendorEvents(ctx context.Context, what, vendor string, since time.Time, types ...upstat.EventType) ([]upstat.Event, error) {
	q, args := `SELECT `+eventColumns+` FROM events WHERE vendor_id = $1 AND at >= $2`, []any{vendor, ms(since)}
	if len(types) > 0 {
		names := make([]string, len(types))
		for i, t := range types {
			names[i] = string(t)
		}
		q, args = q+` AND type = ANY($3)`, append(args, names)
	}
	out, err := db.queryEvents(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return out, nil
}

// LastEventSeq implements upstat.VendorStore.
func (db *DB) LastEventSeq(ctx context.Context) (int64, error) {
	var seq *int64
	if err := db.pool.QueryRow(ctx, `SELECT max(seq) FROM events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("postgres: last event: %w", err)
	}
	if seq == nil {
		return 0, nil
	}
	return *seq, nil
}
