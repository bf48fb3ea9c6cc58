package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/upstat/upstat"
)

var _ upstat.VendorStore = (*DB)(nil)

// eventsLock is the advisory lock key every transaction appending events
// holds from its first event to its commit ("evts" in ASCII). Identity
// values are allocated when a row is inserted but become visible when
// its transaction commits: without the lock, two replicas committing out
// of order would let a reader that has seen seq 8 later see seq 7, and a
// stream resuming after 8 would miss it. With it, seqs become visible in
// order, which is the cursor contract of upstat.VendorStore.
const eventsLock = 0x65767473

// Configure implements upstat.VendorStore: every vendor and source in one
// transaction. What is stored already is read first, and only the rows
// that differ are written, in id order: a replica (re)starting with the
// configuration the others run writes nothing, so it neither holds row
// locks on every vendor while the others poll (at 10,000 vendors their
// writes waited for it, and a touch batch locking in another order
// deadlocked it, failing the start) nor takes minutes. A deadlock or
// serialization failure is retried.
func (db *DB) Configure(ctx context.Context, vendors []upstat.VendorState) error {
	var err error
	for attempt := range 5 {
		if err = db.configure(ctx, vendors); !retryable(err) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres: configure: %w", ctx.Err())
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: configure: %w", err)
	}
	return nil
}

// retryable reports a transaction failure that running it again may
// avoid: a deadlock, a serialization failure.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

func (db *DB) configure(ctx context.Context, vendors []upstat.VendorState) error {
	stored, err := db.storedConfig(ctx, vendors)
	if err != nil {
		return err
	}
	sorted := slices.Clone(vendors)
	slices.SortFunc(sorted, func(a, b upstat.VendorState) int { return cmp.Compare(a.ID, b.ID) })
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, v := range sorted {
			if stored.same(v) {
				continue
			}
			if err := configureVendor(ctx, tx, v); err != nil {
				return fmt.Errorf("vendor %s: %w", v.ID, err)
			}
		}
		return nil
	})
}

// storedConfig is what Configure writes, as stored: each vendor's name
// and labels, its sources' kinds and URLs, and its highest component
// source index.
type storedConfig struct {
	vendors map[string]upstat.VendorRecord
	sources map[string][]upstat.SourceRecord // by Idx
	maxComp map[string]int
}

func (db *DB) storedConfig(ctx context.Context, vendors []upstat.VendorState) (*storedConfig, error) {
	ids := make([]string, len(vendors))
	for i, v := range vendors {
		ids[i] = v.ID
	}
	sc := &storedConfig{vendors: map[string]upstat.VendorRecord{}, sources: map[string][]upstat.SourceRecord{}, maxComp: map[string]int{}}
	b := &pgx.Batch{}
	b.Queue(`SELECT id, name, labels FROM vendors WHERE id = ANY($1)`, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var v upstat.VendorRecord
			if err := rows.Scan(&v.ID, &v.Name, &v.Labels); err != nil {
				return err
			}
			sc.vendors[v.ID] = v
		}
		return rows.Err()
	})
	b.Queue(`SELECT vendor_id, idx, kind, url FROM sources WHERE vendor_id = ANY($1) ORDER BY vendor_id, idx`, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			var s upstat.SourceRecord
			if err := rows.Scan(&id, &s.Idx, &s.Kind, &s.URL); err != nil {
				return err
			}
			sc.sources[id] = append(sc.sources[id], s)
		}
		return rows.Err()
	})
	b.Queue(`SELECT vendor_id, max(source_idx) FROM components WHERE vendor_id = ANY($1) GROUP BY vendor_id`, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			sc.maxComp[id] = n
		}
		return rows.Err()
	})
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("read stored configuration: %w", err)
	}
	return sc, nil
}

// same reports whether v is stored as configured: Configure has nothing
// to write for it.
func (sc *storedConfig) same(v upstat.VendorState) bool {
	got, ok := sc.vendors[v.ID]
	if !ok || got.Name != v.Name || !maps.Equal(got.Labels, v.Labels) {
		return false
	}
	srcs := sc.sources[v.ID]
	if len(srcs) != len(v.Sources) {
		return false
	}
	for i, s := range v.Sources {
		if srcs[i].Idx != i || srcs[i].Kind != s.Kind || srcs[i].URL != s.URL {
			return false
		}
	}
	if n, ok := sc.maxComp[v.ID]; ok && n >= len(v.Sources) {
		return false
	}
	return true
}

func configureVendor(ctx context.Context, tx pgx.Tx, v upstat.VendorState) error {
	labels := v.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO vendors (id, name, labels) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, labels = excluded.labels`,
		v.ID, v.Name, labels); err != nil {
		return err
	}
	for i, s := range v.Sources {
		if _, err := tx.Exec(ctx, `INSERT INTO sources AS s (vendor_id, idx, kind, url) VALUES ($1, $2, $3, $4)
			ON CONFLICT (vendor_id, idx) DO UPDATE SET
				last_error = CASE WHEN s.kind = excluded.kind AND s.url = excluded.url THEN s.last_error ELSE '' END,
				failing_since = CASE WHEN s.kind = excluded.kind AND s.url = excluded.url THEN s.failing_since ELSE NULL END,
				kind = excluded.kind, url = excluded.url`,
			v.ID, i, s.Kind, s.URL); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sources WHERE vendor_id = $1 AND idx >= $2`, v.ID, len(v.Sources)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM components WHERE vendor_id = $1 AND source_idx >= $2`, v.ID, len(v.Sources))
	return err
}

// LoadVendor implements upstat.VendorStore. An unknown id is an error
// wrapping upstat.ErrNotFound.
func (db *DB) LoadVendor(ctx context.Context, id string) (*upstat.VendorState, error) {
	// One round trip for the four reads: a replica starting at 10,000
	// vendors loads each of them.
	st := &upstat.VendorState{}
	v := &st.VendorRecord
	b := &pgx.Batch{}
	b.Queue(`SELECT id, name, labels, status, stale, last_checked_at, last_success_at,
		last_error, status_changed_at, failing_since, first_success_at, version FROM vendors WHERE id = $1`, id).
		QueryRow(func(row pgx.Row) error {
			var checked, success, changed, failing, first *time.Time
			err := row.Scan(&v.ID, &v.Name, &v.Labels, &v.Status, &v.Stale, &checked, &success, &v.LastError, &changed, &failing, &first, &v.Version)
			if err != nil {
				return notFound(err, "vendor "+strconv.Quote(id))
			}
			v.LastCheckedAt, v.LastSuccessAt = utcPtr(checked), utcPtr(success)
			v.StatusChangedAt, v.FailingSince, v.FirstSuccessAt = utcPtr(changed), utcPtr(failing), utcPtr(first)
			return nil
		})
	b.Queue(`SELECT idx, kind, url, last_error, last_checked_at, last_success_at,
		failing_since, indicator FROM sources WHERE vendor_id = $1 ORDER BY idx`, id).
		Query(func(rows pgx.Rows) (err error) {
			if st.Sources, err = scanSources(rows); err != nil {
				return fmt.Errorf("sources: %w", err)
			}
			return nil
		})
	b.Queue(`SELECT grp, name, status, hidden, updated_at, source_idx, pos
		FROM components WHERE vendor_id = $1 ORDER BY source_idx, pos, grp, name`, id).
		Query(func(rows pgx.Rows) (err error) {
			if st.Components, err = scanComponents(rows); err != nil {
				return fmt.Errorf("components: %w", err)
			}
			return nil
		})
	b.Queue(`SELECT `+incidentColumns+` FROM incidents
		WHERE vendor_id = $1 AND NOT status = ANY($2) ORDER BY started_at DESC, id DESC`,
		id, states(upstat.IncidentState.Closed)).
		Query(func(rows pgx.Rows) (err error) {
			if st.Incidents, err = scanIncidents(rows); err != nil {
				return fmt.Errorf("incidents: %w", err)
			}
			return nil
		})
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		if errors.Is(err, upstat.ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("postgres: load vendor %s: %w", id, err)
	}
	return st, nil
}

func scanSources(rows pgx.Rows) ([]upstat.SourceRecord, error) {
	var out []upstat.SourceRecord
	for rows.Next() {
		var s upstat.SourceRecord
		var checked, success, failing *time.Time
		var indicator *int
		if err := rows.Scan(&s.Idx, &s.Kind, &s.URL, &s.LastError, &checked, &success, &failing, &indicator); err != nil {
			return nil, err
		}
		s.LastCheckedAt, s.LastSuccessAt, s.FailingSince = utcPtr(checked), utcPtr(success), utcPtr(failing)
		if indicator != nil {
			sev := upstat.Severity(*indicator)
			s.Indicator = &sev
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func scanComponents(rows pgx.Rows) ([]upstat.ComponentRecord, error) {
	var out []upstat.ComponentRecord
	for rows.Next() {
		var c upstat.ComponentRecord
		var updated *time.Time
		if err := rows.Scan(&c.Group, &c.Name, &c.Status, &c.Hidden, &updated, &c.SourceIdx, &c.Pos); err != nil {
			return nil, err
		}
		if updated != nil {
			c.UpdatedAt = updated.UTC()
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Apply implements upstat.VendorStore: one transaction; the events last,
// under eventsLock.
func (db *DB) Apply(ctx context.Context, ch *upstat.VendorChange) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := checkVersion(ctx, tx, ch); err != nil {
			return err
		}
		if v := ch.Vendor; v != nil {
			// Poll times never move back: a replica that does not poll the
			// vendor (its stale check) writes the times it last read, and
			// the owner's touches may have moved them on since.
			if _, err := tx.Exec(ctx, `UPDATE vendors SET status = $1, stale = $2,
				last_checked_at = GREATEST(last_checked_at, $3), last_success_at = GREATEST(last_success_at, $4), last_error = $5, status_changed_at = $6, failing_since = $7,
				first_success_at = $8 WHERE id = $9`,
				int(v.Status), v.Stale, msPtr(v.LastCheckedAt), msPtr(v.LastSuccessAt), v.LastError,
				msPtr(v.StatusChangedAt), msPtr(v.FailingSince), msPtr(v.FirstSuccessAt), ch.VendorID); err != nil {
				return fmt.Errorf("vendor: %w", err)
			}
		}
		for _, s := range ch.Sources {
			var indicator *int
			if s.Indicator != nil {
				n := int(*s.Indicator)
				indicator = &n
			}
			if _, err := tx.Exec(ctx, `UPDATE sources SET last_error = $1,
				last_checked_at = GREATEST(last_checked_at, $2), last_success_at = GREATEST(last_success_at, $3),
				failing_since = $4, indicator = $5 WHERE vendor_id = $6 AND idx = $7`,
				s.LastError, msPtr(s.LastCheckedAt), msPtr(s.LastSuccessAt), msPtr(s.FailingSince), indicator,
				ch.VendorID, s.Idx); err != nil {
				return fmt.Errorf("source %d: %w", s.Idx, err)
			}
		}
		if err := applyComponents(ctx, tx, ch); err != nil {
			return err
		}
		for i := range ch.Incidents {
			if err := upsertIncident(ctx, tx, &ch.Incidents[i]); err != nil {
				return fmt.Errorf("incident %s: %w", ch.Incidents[i].ID, err)
			}
		}
		if err := db.notifyChange(ctx, tx, ch.VendorID); err != nil {
			return err
		}
		return appendEvents(ctx, tx, ch.Events)
	})
	if err != nil {
		return fmt.Errorf("postgres: apply %s: %w", ch.VendorID, err)
	}
	return nil
}

// checkVersion increments the vendor's version; if ch.Base is set and
// the version is no longer *ch.Base it fails with upstat.ErrConflict. The
// row stays locked until the transaction ends, so the writers of one
// vendor are serialised.
func checkVersion(ctx context.Context, tx pgx.Tx, ch *upstat.VendorChange) error {
	var stored int64
	err := tx.QueryRow(ctx, `UPDATE vendors SET version = version + 1 WHERE id = $1 RETURNING version - 1`, ch.VendorID).Scan(&stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil // an unknown vendor: its rows fail on their own
	case err != nil:
		return fmt.Errorf("version: %w", err)
	case ch.Base != nil && *ch.Base != stored:
		return fmt.Errorf("vendor %s is at version %d, the change was computed from %d: %w", ch.VendorID, stored, *ch.Base, upstat.ErrConflict)
	}
	return nil
}

func applyComponents(ctx context.Context, tx pgx.Tx, ch *upstat.VendorChange) error {
	for _, k := range ch.RemovedComponents {
		if _, err := tx.Exec(ctx, `DELETE FROM components WHERE vendor_id = $1 AND grp = $2 AND name = $3`,
			ch.VendorID, k.Group, k.Name); err != nil {
			return fmt.Errorf("remove component %s/%s: %w", k.Group, k.Name, err)
		}
	}
	for _, c := range ch.Components {
		if _, err := tx.Exec(ctx, `INSERT INTO components (vendor_id, grp, name, status, hidden, updated_at, source_idx, pos)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (vendor_id, grp, name) DO UPDATE SET status = excluded.status, hidden = excluded.hidden,
				updated_at = excluded.updated_at, source_idx = excluded.source_idx, pos = excluded.pos`,
			ch.VendorID, c.Group, c.Name, int(c.Status), c.Hidden, msPtr(orNull(c.UpdatedAt)), c.SourceIdx, c.Pos); err != nil {
			return fmt.Errorf("component %s: %w", c.Key(), err)
		}
	}
	return nil
}

func upsertIncident(ctx context.Context, tx pgx.Tx, inc *upstat.IncidentRecord) error {
	comps := inc.Components
	if comps == nil {
		comps = []string{}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO incidents (id, vendor_id, kind, title, url, severity, status, components,
			started_at, updated_at, resolved_at, scheduled_for, scheduled_until, hash, notice_hash, source_ref, closed_by,
			severity_source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, url = excluded.url,
			severity = excluded.severity, status = excluded.status, components = excluded.components,
			started_at = excluded.started_at, updated_at = excluded.updated_at,
			resolved_at = excluded.resolved_at, scheduled_for = excluded.scheduled_for,
			scheduled_until = excluded.scheduled_until, hash = excluded.hash, notice_hash = excluded.notice_hash,
			source_ref = excluded.source_ref, closed_by = excluded.closed_by, severity_source = excluded.severity_source`,
		inc.ID, inc.Vendor, string(inc.Kind), inc.Title, inc.URL, int(inc.Severity), string(inc.Status), comps,
		ms(inc.StartedAt), msPtr(orNull(inc.UpdatedAt)), msPtr(inc.ResolvedAt), msPtr(inc.ScheduledFor),
		msPtr(inc.ScheduledUntil), inc.Hash, inc.NoticeHash, inc.SourceRef, inc.ClosedBy, inc.SeveritySource); err != nil {
		return err
	}
	for _, u := range inc.Updates {
		if _, err := tx.Exec(ctx, `INSERT INTO updates AS u (incident_id, update_key, at, status, body) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (incident_id, update_key) DO UPDATE SET at = excluded.at, status = excluded.status,
				body = excluded.body
			WHERE u.at <> excluded.at OR u.status <> excluded.status OR u.body <> excluded.body`,
			inc.ID, u.ID, ms(u.At), string(u.Status), u.Body); err != nil {
			return fmt.Errorf("update %s: %w", u.ID, err)
		}
	}
	return nil
}

// appendEvents inserts events in order under eventsLock (held until the
// transaction ends) and sets their Seq and ID.
func appendEvents(ctx context.Context, tx pgx.Tx, events []upstat.Event) error {
	if len(events) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, eventsLock); err != nil {
		return fmt.Errorf("events lock: %w", err)
	}
	for i := range events {
		e := &events[i]
		if err := tx.QueryRow(ctx, `INSERT INTO events (at, type, vendor_id, incident_id, component, from_sev, to_sev, backfill, service)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
			ms(e.At), string(e.Type), e.Vendor, e.IncidentID, e.Component, int(e.From), int(e.To), e.Backfill, e.Service).Scan(&e.Seq); err != nil {
			return fmt.Errorf("event %s: %w", e.Type, err)
		}
		e.ID = strconv.FormatInt(e.Seq, 10)
	}
	return nil
}

// ms is t as stored: UTC, truncated to the millisecond (as SQLite keeps
// it), so a time reads back equal to what upstat compared before writing.
func ms(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

// msPtr is ms for an optional time; nil is NULL.
func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

// utcPtr is a scanned optional time in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// states lists, as stored, the lifecycle states for which keep is true.
func states(keep func(upstat.IncidentState) bool) []string {
	var out []string
	for _, s := range upstat.IncidentStates() {
		if keep(s) {
			out = append(out, string(s))
		}
	}
	return out
}
