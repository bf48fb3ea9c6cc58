package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// writeStmts are the statements every Apply runs, prepared once. Used
// through tx.StmtContext, each is prepared on the write connection once and
// reused by every later transaction.
type writeStmts struct {
	updateVendor    *sql.Stmt
	updateSource    *sql.Stmt
	upsertComponent *sql.Stmt
	deleteComponent *sql.Stmt
	upsertIncident  *sql.Stmt
	upsertUpdate    *sql.Stmt
	insertEvent     *sql.Stmt
	touchVendor     *sql.Stmt
	touchSource     *sql.Stmt
}

func (s *writeStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.updateVendor, `UPDATE vendors SET status = ?, stale = ?, last_checked_at = ?, last_success_at = ?,
			last_error = ?, status_changed_at = ?, failing_since = ?, first_success_at = ? WHERE id = ?`},
		{&s.updateSource, `UPDATE sources SET last_error = ?, last_checked_at = ?, last_success_at = ?,
			failing_since = ?, indicator = ? WHERE vendor_id = ? AND idx = ?`},
		{&s.upsertComponent, `INSERT INTO components (vendor_id, grp, name, status, hidden, updated_at, source_idx, pos)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (vendor_id, grp, name) DO UPDATE SET status = excluded.status, hidden = excluded.hidden,
				updated_at = excluded.updated_at, source_idx = excluded.source_idx, pos = excluded.pos`},
		{&s.deleteComponent, `DELETE FROM components WHERE vendor_id = ? AND grp = ? AND name = ?`},
		{&s.upsertIncident, `INSERT INTO incidents (id, vendor_id, kind, title, url, severity, status, components,
				started_at, updated_at, resolved_at, scheduled_for, scheduled_until, hash, notice_hash, source_ref, closed_by,
				severity_source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, url = excluded.url,
				severity = excluded.severity, status = excluded.status, components = excluded.components,
				started_at = excluded.started_at, updated_at = excluded.updated_at,
				resolved_at = excluded.resolved_at, scheduled_for = excluded.scheduled_for,
				scheduled_until = excluded.scheduled_until, hash = excluded.hash, notice_hash = excluded.notice_hash,
				source_ref = excluded.source_ref, closed_by = excluded.closed_by,
				severity_source = excluded.severity_source`},
		{&s.upsertUpdate, `INSERT INTO updates (incident_id, update_key, at, status, body) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (incident_id, update_key) DO UPDATE SET at = excluded.at, status = excluded.status,
				body = excluded.body
			WHERE at <> excluded.at OR status <> excluded.status OR body <> excluded.body`},
		{&s.insertEvent, `INSERT INTO events (at, type, vendor_id, incident_id, component, from_sev, to_sev, backfill, service)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.touchVendor, `UPDATE vendors SET ` + latestTime("last_checked_at", "?1") + `, ` +
			latestTime("last_success_at", "?2") + ` WHERE id = ?3`},
		{&s.touchSource, `UPDATE sources SET ` + latestTime("last_checked_at", "?1") + `, ` +
			latestTime("last_success_at", "?2") + ` WHERE vendor_id = ?3 AND idx = ?4`},
	} {
		st, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		*p.dst = st
	}
	return nil
}

func (s *writeStmts) close() {
	for _, st := range []*sql.Stmt{s.updateVendor, s.updateSource, s.upsertComponent, s.deleteComponent,
		s.upsertIncident, s.upsertUpdate, s.insertEvent, s.touchVendor, s.touchSource} {
		if st != nil {
			_ = st.Close()
		}
	}
}

// txStmts runs prepared statements inside one transaction, binding each to
// the transaction once.
type txStmts struct {
	ctx   context.Context
	tx    *sql.Tx
	bound map[*sql.Stmt]*sql.Stmt
	rows  int64 // rows inserted, updated or deleted so far
}

func newTxStmts(ctx context.Context, tx *sql.Tx) *txStmts {
	return &txStmts{ctx: ctx, tx: tx, bound: map[*sql.Stmt]*sql.Stmt{}}
}

// exec runs st with args inside the transaction.
func (t *txStmts) exec(st *sql.Stmt, args ...any) (sql.Result, error) {
	b, ok := t.bound[st]
	if !ok {
		b = t.tx.StmtContext(t.ctx, st)
		t.bound[st] = b
	}
	res, err := b.ExecContext(t.ctx, args...)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err == nil {
		t.rows += n
	}
	return res, nil
}
