package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/upstat/upstat"
)

// Listing limits for Incidents and Events.
const (
	DefaultIncidentLimit = upstat.DefaultIncidentLimit
	MaxIncidentLimit     = upstat.MaxIncidentLimit
	DefaultEventLimit    = upstat.DefaultEventLimit
	MaxEventLimit        = upstat.MaxEventLimit
)

const incidentColumns = `id, vendor_id, kind, title, url, severity, status, components, started_at, updated_at,
	resolved_at, scheduled_for, scheduled_until, hash, notice_hash, source_ref, closed_by, severity_source`

func scanIncidents(rows *sql.Rows) ([]Incident, error) {
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		var inc Incident
		var kind, status, comps string
		var started int64
		var updated, resolved, schedFor, schedUntil sql.NullInt64
		if err := rows.Scan(&inc.ID, &inc.Vendor, &kind, &inc.Title, &inc.URL, &inc.Severity, &status, &comps,
			&started, &updated, &resolved, &schedFor, &schedUntil, &inc.Hash, &inc.NoticeHash, &inc.SourceRef, &inc.ClosedBy, &inc.SeveritySource); err != nil {
			return nil, err
		}
		inc.Kind, inc.Status = upstat.Kind(kind), upstat.IncidentState(status)
		if err := json.Unmarshal([]byte(comps), &inc.Components); err != nil {
			return nil, fmt.Errorf("incident %s components: %w", inc.ID, err)
		}
		inc.StartedAt = fromMillis(started)
		if t := fromNullMillis(updated); t != nil {
			inc.UpdatedAt = *t
		}
		inc.ResolvedAt, inc.ScheduledFor, inc.ScheduledUntil = fromNullMillis(resolved), fromNullMillis(schedFor), fromNullMillis(schedUntil)
		out = append(out, inc)
	}
	return out, rows.Err()
}

// Incidents lists incidents newest first (StartedAt, then ID, descending)
// matching f, at most f.Limit (default 50, at most 500), and the cursor of
// the last one when more follow. A bad State is an error wrapping
// upstat.ErrInvalid.
func (db *DB) Incidents(ctx context.Context, f upstat.IncidentFilter) ([]upstat.Incident, *upstat.IncidentCursor, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.Vendor != "" {
		add("vendor_id = ?", f.Vendor)
	}
	switch f.State {
	case "", "all":
	case "active":
		where = append(where, stateSet(upstat.IncidentState.Active))
	case "resolved":
		where = append(where, stateSet(upstat.IncidentState.Closed))
	default:
		return nil, nil, fmt.Errorf("sqlite: incidents: %w: state %q (want active, resolved or all)", upstat.ErrInvalid, f.State)
	}
	if f.HasMinSev {
		add("severity >= ?", int(f.MinSeverity))
	}
	if f.Since != nil {
		ms := millis(*f.Since)
		add("(started_at >= ? OR (kind = 'maintenance' AND scheduled_for >= ?))", ms, ms)
	}
	if f.Until != nil {
		add("started_at < ?", millis(*f.Until))
	}
	if f.After != nil {
		add("(started_at, id) < (?, ?)", millis(f.After.StartedAt), f.After.ID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultIncidentLimit
	}
	limit = min(limit, MaxIncidentLimit)
	q := `SELECT ` + incidentColumns + ` FROM incidents`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY started_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: incidents: %w", err)
	}
	stored, err := scanIncidents(rows)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: incidents: %w", err)
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

// stateSet is an SQL condition matching the states for which keep is true
// (derived from upstat's own definitions).
func stateSet(keep func(upstat.IncidentState) bool) string {
	var quoted []string
	for _, s := range upstat.IncidentStates() {
		if keep(s) {
			quoted = append(quoted, "'"+string(s)+"'")
		}
	}
	return "status IN (" + strings.Join(quoted, ", ") + ")"
}

// maxIDsPerQuery bounds the ids of one IncidentsByID query (SQLite's
// parameter limit is far above it).
const maxIDsPerQuery = 500

// IncidentsByID returns the stored incidents among ids (without updates),
// by id; ids not stored are absent.
func (db *DB) IncidentsByID(ctx context.Context, ids []string) (map[string]Incident, error) {
	out := make(map[string]Incident, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), maxIDsPerQuery)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		marks := strings.Repeat(", ?", len(chunk))[2:]
		rows, err := db.db.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: incidents by id: %w", err)
		}
		found, err := scanIncidents(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: incidents by id: %w", err)
		}
		for _, inc := range found {
			out[inc.ID] = inc
		}
	}
	return out, nil
}

// Incident returns one incident with all its updates, oldest first. An
// unknown id is an error wrapping upstat.ErrNotFound.
func (db *DB) Incident(ctx context.Context, id string) (*upstat.Incident, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: incident %s: %w", id, err)
	}
	found, err := scanIncidents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: incident %s: %w", id, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("sqlite: incident %q: %w", id, upstat.ErrNotFound)
	}
	inc := found[0].Incident
	if inc.Updates, err = db.updates(ctx, id); err != nil {
		return nil, fmt.Errorf("sqlite: incident %s updates: %w", id, err)
	}
	return &inc, nil
}

func (db *DB) updates(ctx context.Context, id string) ([]upstat.Update, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT update_key, at, status, body FROM updates
		WHERE incident_id = ? ORDER BY at, rowid`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []upstat.Update{}
	for rows.Next() {
		var u upstat.Update
		var at int64
		var status string
		if err := rows.Scan(&u.ID, &at, &status, &u.Body); err != nil {
			return nil, err
		}
		u.At, u.Status = fromMillis(at), upstat.IncidentState(status)
		out = append(out, u)
	}
	return out, rows.Err()
}

// Events returns up to limit events (default 100, at most 1000) with Seq
// greater than after, oldest first.
func (db *DB) Events(ctx context.Context, after int64, limit int) ([]upstat.Event, error) {
	if limit <= 0 {
		limit = DefaultEventLimit
	}
	limit = min(limit, MaxEventLimit)
	rows, err := db.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	return out, nil
}

const eventColumns = `seq, at, type, vendor_id, incident_id, component, from_sev, to_sev, backfill, service`

// scanEvents reads rows of eventColumns, never returning nil.
func scanEvents(rows *sql.Rows) ([]upstat.Event, error) {
	defer rows.Close()
	out := []upstat.Event{}
	for rows.Next() {
		var e upstat.Event
		var at int64
		var typ string
		if err := rows.Scan(&e.Seq, &at, &typ, &e.Vendor, &e.IncidentID, &e.Component, &e.From, &e.To, &e.Backfill, &e.Service); err != nil {
			return nil, err
		}
		e.At, e.Type, e.ID = fromMillis(at), upstat.EventType(typ), strconv.FormatInt(e.Seq, 10)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastEventSeq returns the Seq of the newest event, 0 when there is none.
func (db *DB) LastEventSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT max(seq) FROM events`).Scan(&seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: last event: %w", err)
	}
	return seq.Int64, nil
}
