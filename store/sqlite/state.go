package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/upstat/upstat"
)

// The stored types are upstat's (see upstat.VendorStore); these names
// keep the package's own vocabulary.
type (
	// Vendor is upstat.VendorRecord.
	Vendor = upstat.VendorRecord
	// Source is upstat.SourceRecord.
	Source = upstat.SourceRecord
	// Component is upstat.ComponentRecord.
	Component = upstat.ComponentRecord
	// ComponentKey is upstat.ComponentKey.
	ComponentKey = upstat.ComponentKey
	// Incident is upstat.IncidentRecord.
	Incident = upstat.IncidentRecord
	// VendorState is upstat.VendorState.
	VendorState = upstat.VendorState
	// Change is upstat.VendorChange.
	Change = upstat.VendorChange
	// Pruned is upstat.Pruned.
	Pruned = upstat.Pruned
)

var _ upstat.VendorStore = (*DB)(nil)

// Configure records the configured vendors and their sources in one
// transaction. Of each VendorState it reads ID, Name, Labels and the Kind
// and URL of each source (whose Idx is its position). New vendors start
// Unknown. A source whose kind or URL changed loses its error state;
// sources beyond the configured count are deleted with the components they
// reported. Vendors not listed are left untouched (history is kept).
func (db *DB) Configure(ctx context.Context, vendors []VendorState) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, v := range vendors {
			if err := configureVendor(ctx, tx, v); err != nil {
				return fmt.Errorf("vendor %s: %w", v.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: configure: %w", err)
	}
	return nil
}

func configureVendor(ctx context.Context, tx *sql.Tx, v VendorState) error {
	labels, err := json.Marshal(nonNilLabels(v.Labels))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO vendors (id, name, labels) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, labels = excluded.labels`,
		v.ID, v.Name, string(labels)); err != nil {
		return err
	}
	for i, s := range v.Sources {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sources (vendor_id, idx, kind, url) VALUES (?, ?, ?, ?)
			ON CONFLICT (vendor_id, idx) DO UPDATE SET
				last_error = CASE WHEN kind = excluded.kind AND url = excluded.url THEN last_error ELSE '' END,
				failing_since = CASE WHEN kind = excluded.kind AND url = excluded.url THEN failing_since ELSE NULL END,
				kind = excluded.kind, url = excluded.url`,
			v.ID, i, s.Kind, s.URL); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE vendor_id = ? AND idx >= ?`, v.ID, len(v.Sources)); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM components WHERE vendor_id = ? AND source_idx >= ?`, v.ID, len(v.Sources))
	return err
}

func nonNilLabels(l map[string]string) map[string]string {
	if l == nil {
		return map[string]string{}
	}
	return l
}

// LoadVendor reads what is stored about a vendor but its closed incidents
// and incident updates. An unknown id is an error wrapping upstat.ErrNotFound.
func (db *DB) LoadVendor(ctx context.Context, id string) (*VendorState, error) {
	st := &VendorState{}
	if err := db.loadVendorRow(ctx, id, &st.VendorRecord); err != nil {
		return nil, fmt.Errorf("sqlite: load vendor %s: %w", id, err)
	}
	var err error
	if st.Sources, err = db.loadSources(ctx, id); err != nil {
		return nil, fmt.Errorf("sqlite: load sources of %s: %w", id, err)
	}
	if st.Components, err = db.loadComponents(ctx, id); err != nil {
		return nil, fmt.Errorf("sqlite: load components of %s: %w", id, err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE vendor_id = ? AND NOT `+
		stateSet(upstat.IncidentState.Closed)+` ORDER BY started_at DESC, id DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load incidents of %s: %w", id, err)
	}
	if st.Incidents, err = scanIncidents(rows); err != nil {
		return nil, fmt.Errorf("sqlite: load incidents of %s: %w", id, err)
	}
	return st, nil
}

func (db *DB) loadVendorRow(ctx context.Context, id string, v *Vendor) error {
	var labels string
	var checked, success, changed, failing, first sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT id, name, labels, status, stale, last_checked_at, last_success_at,
		last_error, status_changed_at, failing_since, first_success_at, version FROM vendors WHERE id = ?`, id).
		Scan(&v.ID, &v.Name, &labels, &v.Status, &v.Stale, &checked, &success, &v.LastError, &changed, &failing, &first, &v.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("vendor %q: %w", id, upstat.ErrNotFound)
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(labels), &v.Labels); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	v.LastCheckedAt, v.LastSuccessAt = fromNullMillis(checked), fromNullMillis(success)
	v.StatusChangedAt, v.FailingSince = fromNullMillis(changed), fromNullMillis(failing)
	v.FirstSuccessAt = fromNullMillis(first)
	return nil
}

func (db *DB) loadSources(ctx context.Context, id string) ([]Source, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT idx, kind, url, last_error, last_checked_at, last_success_at,
		failing_since, indicator FROM sources WHERE vendor_id = ? ORDER BY idx`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		var s Source
		var checked, success, failing, indicator sql.NullInt64
		if err := rows.Scan(&s.Idx, &s.Kind, &s.URL, &s.LastError, &checked, &success, &failing, &indicator); err != nil {
			return nil, err
		}
		s.LastCheckedAt, s.LastSuccessAt, s.FailingSince = fromNullMillis(checked), fromNullMillis(success), fromNullMillis(failing)
		if indicator.Valid {
			sev := upstat.Severity(indicator.Int64)
			s.Indicator = &sev
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (db *DB) loadComponents(ctx context.Context, id string) ([]Component, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT grp, name, status, hidden, updated_at, source_idx, pos
		FROM components WHERE vendor_id = ? ORDER BY source_idx, pos, grp, name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Component
	for rows.Next() {
		var c Component
		var updated sql.NullInt64
		if err := rows.Scan(&c.Group, &c.Name, &c.Status, &c.Hidden, &updated, &c.SourceIdx, &c.Pos); err != nil {
			return nil, err
		}
		if t := fromNullMillis(updated); t != nil {
			c.UpdatedAt = *t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Apply writes a change in one transaction and sets the Seq and ID of its
// events. On error nothing is written.
func (db *DB) Apply(ctx context.Context, ch *Change) error {
	var ts *txStmts
	err := db.write(ctx, func(tx *sql.Tx) error {
		ts = newTxStmts(ctx, tx)
		if err := checkVersion(ctx, tx, ch); err != nil {
			return err
		}
		if ch.Vendor != nil {
			if _, err := ts.exec(db.stmts.updateVendor, vendorArgs(ch.Vendor)...); err != nil {
				return fmt.Errorf("vendor: %w", err)
			}
		}
		for i := range ch.Sources {
			if _, err := ts.exec(db.stmts.updateSource, sourceArgs(ch.VendorID, &ch.Sources[i])...); err != nil {
				return fmt.Errorf("source %d: %w", ch.Sources[i].Idx, err)
			}
		}
		if err := db.applyComponents(ts, ch); err != nil {
			return err
		}
		for i := range ch.Incidents {
			if err := db.upsertIncident(ts, &ch.Incidents[i]); err != nil {
				return fmt.Errorf("incident %s: %w", ch.Incidents[i].ID, err)
			}
		}
		return db.appendEvents(ts, ch.Events)
	})
	if err != nil {
		return fmt.Errorf("sqlite: apply %s: %w", ch.VendorID, err)
	}
	db.rowsWritten.Add(ts.rows)
	return nil
}

// checkVersion increments the vendor's version; if ch.Base is set and
// the version is no longer *ch.Base it fails with upstat.ErrConflict. It
// is not counted in RowsWritten: it is bookkeeping, not data.
func checkVersion(ctx context.Context, tx *sql.Tx, ch *Change) error {
	var stored int64
	err := tx.QueryRowContext(ctx, `UPDATE vendors SET version = version + 1 WHERE id = ? RETURNING version - 1`, ch.VendorID).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil // an unknown vendor: its rows fail on their own
	case err != nil:
		return fmt.Errorf("version: %w", err)
	case ch.Base != nil && *ch.Base != stored:
		return fmt.Errorf("vendor %s is at version %d, the change was computed from %d: %w", ch.VendorID, stored, *ch.Base, upstat.ErrConflict)
	}
	return nil
}

// RowsWritten returns how many rows Apply (and the flushes of Touch) have
// inserted, updated or deleted since Open (an unchanged update or
// component costs none).
func (db *DB) RowsWritten() int64 { return db.rowsWritten.Load() }

func (db *DB) applyComponents(ts *txStmts, ch *Change) error {
	for _, k := range ch.RemovedComponents {
		if _, err := ts.exec(db.stmts.deleteComponent, ch.VendorID, k.Group, k.Name); err != nil {
			return fmt.Errorf("remove component %s/%s: %w", k.Group, k.Name, err)
		}
	}
	for _, c := range ch.Components {
		if _, err := ts.exec(db.stmts.upsertComponent, ch.VendorID, c.Group, c.Name, int(c.Status),
			c.Hidden, nullMillis(zeroNil(c.UpdatedAt)), c.SourceIdx, c.Pos); err != nil {
			return fmt.Errorf("component %s: %w", c.Key(), err)
		}
	}
	return nil
}

func (db *DB) upsertIncident(ts *txStmts, inc *Incident) error {
	comps := inc.Components
	if comps == nil {
		comps = []string{}
	}
	cj, err := json.Marshal(comps)
	if err != nil {
		return err
	}
	if _, err := ts.exec(db.stmts.upsertIncident, inc.ID, inc.Vendor, string(inc.Kind), inc.Title, inc.URL,
		int(inc.Severity), string(inc.Status), string(cj), millis(inc.StartedAt), nullMillis(zeroNil(inc.UpdatedAt)),
		nullMillis(inc.ResolvedAt), nullMillis(inc.ScheduledFor), nullMillis(inc.ScheduledUntil),
		inc.Hash, inc.NoticeHash, inc.SourceRef, inc.ClosedBy, inc.SeveritySource); err != nil {
		return err
	}
	for _, u := range inc.Updates {
		if _, err := ts.exec(db.stmts.upsertUpdate, inc.ID, u.ID, millis(u.At), string(u.Status), u.Body); err != nil {
			return fmt.Errorf("update %s: %w", u.ID, err)
		}
	}
	return nil
}

func (db *DB) appendEvents(ts *txStmts, events []upstat.Event) error {
	for i := range events {
		e := &events[i]
		res, err := ts.exec(db.stmts.insertEvent, millis(e.At), string(e.Type), e.Vendor, e.IncidentID, e.Component,
			int(e.From), int(e.To), e.Backfill, e.Service)
		if err != nil {
			return fmt.Errorf("event %s: %w", e.Type, err)
		}
		if e.Seq, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("event %s: %w", e.Type, err)
		}
		e.ID = strconv.FormatInt(e.Seq, 10)
	}
	return nil
}

func vendorArgs(v *Vendor) []any {
	return []any{int(v.Status), v.Stale, nullMillis(v.LastCheckedAt), nullMillis(v.LastSuccessAt), v.LastError,
		nullMillis(v.StatusChangedAt), nullMillis(v.FailingSince), nullMillis(v.FirstSuccessAt), v.ID}
}

func sourceArgs(vendorID string, s *Source) []any {
	var indicator sql.NullInt64
	if s.Indicator != nil {
		indicator = sql.NullInt64{Int64: int64(*s.Indicator), Valid: true}
	}
	return []any{s.LastError, nullMillis(s.LastCheckedAt), nullMillis(s.LastSuccessAt), nullMillis(s.FailingSince),
		indicator, vendorID, s.Idx}
}

// zeroNil maps the zero time to nil, so it is stored as NULL.
func zeroNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
