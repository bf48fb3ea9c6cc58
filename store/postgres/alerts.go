package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
)

// Alerts is the alert engine's Store (alert states and the notification
// outbox) in this database.
type Alerts struct {
	db    *DB
	fence Fence
	// claimer is the replica (cluster_replicas.id) whose claims
	// ClaimDeliveries makes; "" leaves them unattributed.
	claimer string
}

// Fence checks, inside a writer's transaction, that the writer may still
// write: term is the leadership term the change was computed in (see
// alert.Change.Term). An error (wrapping cluster.ErrFenced when the
// lease was lost) rolls the transaction back.
type Fence func(ctx context.Context, tx pgx.Tx, term int64) error

var _ alert.Store = (*Alerts)(nil)

// Alerts returns the alert engine's Store in db.
func (db *DB) Alerts() *Alerts { return &Alerts{db: db} }

// FencedBy returns this store with every Apply fenced: fence runs first
// inside Apply's transaction, with the change's term, and when it fails
// nothing is written and Apply returns its error. With Cluster.LeaseFence
// on the alert-engine lease, a replica that lost the leadership cannot
// write alert states, nor write in a later term what it computed in an
// earlier one.
func (a *Alerts) FencedBy(fence Fence) *Alerts {
	b := *a
	b.fence = fence
	return &b
}

// ClaimingAs returns this store with its delivery claims made in the name
// of replica (its id in the cluster store of this database, where it
// heartbeats). A claim of a replica that is no longer live (its
// registration expired) can then be taken by another at once, instead of
// when the claim runs out.
func (a *Alerts) ClaimingAs(replica string) *Alerts {
	b := *a
	b.claimer = replica
	return &b
}

// ReleaseClaims ends the delivery claims made under this store's claimer
// (ClaimingAs) and returns how many. A process calls it as it starts,
// before it delivers: claims in its replica's name are then its previous
// life's (a replica id is unique in the cluster, and a restarted replica
// with a fixed replica_id keeps it), and would otherwise wait for their
// claimed_until, since that replica's registration is live again.
func (a *Alerts) ReleaseClaims(ctx context.Context) (int64, error) {
	if a.claimer == "" {
		return 0, nil
	}
	tag, err := a.db.pool.Exec(ctx, `UPDATE alert_outbox SET claimed_until = NULL, claimed_by = NULL
		WHERE claimed_by = $1 AND state = 'pending'`, a.claimer)
	if err != nil {
		return 0, fmt.Errorf("postgres: release delivery claims: %w", err)
	}
	return tag.RowsAffected(), nil
}

// AlertStates implements alert.Store.
func (a *Alerts) AlertStates(ctx context.Context) ([]alert.State, error) {
	rows, err := a.db.pool.Query(ctx, `SELECT key, rule, vendor_id, component, phase, severity, since,
		fired_at, clear_since, notified_at, labels, notify FROM alert_states ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("postgres: alert states: %w", err)
	}
	defer rows.Close()
	var out []alert.State
	for rows.Next() {
		var s alert.State
		var phase string
		var fired, clear, notified *time.Time
		if err := rows.Scan(&s.Key, &s.Rule, &s.Vendor, &s.Component, &phase, &s.Severity, &s.Since,
			&fired, &clear, &notified, &s.Labels, &s.Notify); err != nil {
			return nil, fmt.Errorf("postgres: alert states: %w", err)
		}
		s.Phase, s.Since = alert.Phase(phase), s.Since.UTC()
		s.FiredAt, s.ClearSince, s.NotifiedAt = deref(fired), deref(clear), deref(notified)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: alert states: %w", err)
	}
	return out, nil
}

// Apply implements alert.Store: one transaction, so an alert that fired
// has its notifications enqueued, or neither happened.
func (a *Alerts) Apply(ctx context.Context, c alert.Change) error {
	err := pgx.BeginFunc(ctx, a.db.pool, func(tx pgx.Tx) error {
		if a.fence != nil {
			if err := a.fence(ctx, tx, c.Term); err != nil {
				return err
			}
		}
		for _, s := range c.Put {
			labels := s.Labels
			if labels == nil {
				labels = map[string]string{}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO alert_states (key, rule, vendor_id, component, phase, severity,
				since, fired_at, clear_since, notified_at, labels, notify) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (key) DO UPDATE SET rule = excluded.rule, vendor_id = excluded.vendor_id,
				component = excluded.component, phase = excluded.phase, severity = excluded.severity,
				since = excluded.since, fired_at = excluded.fired_at, clear_since = excluded.clear_since,
				notified_at = excluded.notified_at, labels = excluded.labels, notify = excluded.notify`,
				s.Key, s.Rule, s.Vendor, s.Component, string(s.Phase), int(s.Severity), s.Since,
				orNull(s.FiredAt), orNull(s.ClearSince), orNull(s.NotifiedAt),
				labels, append([]string{}, s.Notify...)); err != nil {
				return fmt.Errorf("put alert %s: %w", s.Key, err)
			}
		}
		for _, key := range c.Delete {
			if _, err := tx.Exec(ctx, `DELETE FROM alert_states WHERE key = $1`, key); err != nil {
				return fmt.Errorf("delete alert %s: %w", key, err)
			}
		}
		for i := range c.Enqueue {
			d := &c.Enqueue[i]
			body, err := json.Marshal(d.Notification)
			if err != nil {
				return fmt.Errorf("encode notification: %w", err)
			}
			if err := tx.QueryRow(ctx, `INSERT INTO alert_outbox (notifier, alert_key, notification, state, attempts,
				next_attempt_at, last_error, refresh, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				RETURNING id`,
				d.Notifier, d.AlertKey, string(body), string(d.State), d.Attempts, d.NextAttemptAt, d.LastError,
				d.Refresh, d.CreatedAt, d.UpdatedAt).Scan(&d.ID); err != nil {
				return fmt.Errorf("enqueue: %w", err)
			}
		}
		if len(c.Enqueue) > 0 {
			cutoff := c.Enqueue[0].CreatedAt.Add(-alert.SentRetention)
			if _, err := tx.Exec(ctx, `DELETE FROM alert_outbox WHERE state = 'sent' AND updated_at < $1`, cutoff); err != nil {
				return fmt.Errorf("prune outbox: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: alerts apply: %w", err)
	}
	return nil
}

const deliveryColumns = `id, notifier, alert_key, notification, state, attempts, next_attempt_at, last_error, refresh, created_at, updated_at`

// DueDeliveries implements alert.Store.
func (a *Alerts) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]alert.Delivery, error) {
	return a.deliveries(ctx, `SELECT `+deliveryColumns+` FROM alert_outbox o
		WHERE state = 'pending' AND next_attempt_at <= $1
		AND id = (SELECT min(id) FROM alert_outbox p WHERE p.state = 'pending' AND p.notifier = o.notifier AND p.alert_key = o.alert_key)
		ORDER BY id LIMIT $2`, now, limit)
}

var _ alert.Claimer = (*Alerts)(nil)

// ClaimDeliveries implements alert.Claimer: the due heads of line that are
// unclaimed, whose claim expired, or whose claiming replica is no longer
// live (see ClaimingAs) are locked with FOR UPDATE SKIP LOCKED, so two
// replicas claiming at once take disjoint rows, and marked claimed until
// until.
func (a *Alerts) ClaimDeliveries(ctx context.Context, now, until time.Time, limit int) ([]alert.Delivery, error) {
	var claimer *string
	if a.claimer != "" {
		claimer = &a.claimer
	}
	out, err := a.deliveries(ctx, `UPDATE alert_outbox SET claimed_until = $2, claimed_by = $4 WHERE id IN (
		SELECT id FROM alert_outbox o
		WHERE state = 'pending' AND next_attempt_at <= $1
		AND (claimed_until IS NULL OR claimed_until <= $1 OR (claimed_by IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM cluster_replicas r WHERE r.id = o.claimed_by AND r.expires_at > $1)))
		AND id = (SELECT min(id) FROM alert_outbox p WHERE p.state = 'pending' AND p.notifier = o.notifier AND p.alert_key = o.alert_key)
		ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING `+deliveryColumns, now, until, limit, claimer)
	slices.SortFunc(out, func(x, y alert.Delivery) int { return cmp.Compare(x.ID, y.ID) })
	return out, err
}

// Deliveries implements alert.Store.
func (a *Alerts) Deliveries(ctx context.Context, st alert.DeliveryState, limit int) ([]alert.Delivery, error) {
	return a.deliveries(ctx, `SELECT `+deliveryColumns+` FROM alert_outbox WHERE state = $1 ORDER BY id DESC LIMIT $2`, string(st), limit)
}

func (a *Alerts) deliveries(ctx context.Context, query string, args ...any) ([]alert.Delivery, error) {
	rows, err := a.db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: outbox: %w", err)
	}
	defer rows.Close()
	var out []alert.Delivery
	for rows.Next() {
		var d alert.Delivery
		var body []byte
		var state string
		if err := rows.Scan(&d.ID, &d.Notifier, &d.AlertKey, &body, &state, &d.Attempts, &d.NextAttemptAt, &d.LastError,
			&d.Refresh, &d.CreatedAt, &d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("postgres: outbox: %w", err)
		}
		if err := json.Unmarshal(body, &d.Notification); err != nil {
			return nil, fmt.Errorf("postgres: outbox %d: %w", d.ID, err)
		}
		d.State = alert.DeliveryState(state)
		d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = d.NextAttemptAt.UTC(), d.CreatedAt.UTC(), d.UpdatedAt.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: outbox: %w", err)
	}
	return out, nil
}

// UpdateDelivery implements alert.Store and ends the delivery's claim. An
// unknown ID is an error wrapping upstat.ErrNotFound.
func (a *Alerts) UpdateDelivery(ctx context.Context, d alert.Delivery) error {
	tag, err := a.db.pool.Exec(ctx, `UPDATE alert_outbox SET state = $1, attempts = $2, next_attempt_at = $3,
		last_error = $4, updated_at = $5, claimed_until = NULL, claimed_by = NULL WHERE id = $6`,
		string(d.State), d.Attempts, d.NextAttemptAt, d.LastError, d.UpdatedAt, d.ID)
	if err != nil {
		return fmt.Errorf("postgres: update delivery %d: %w", d.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: update delivery %d: %w", d.ID, upstat.ErrNotFound)
	}
	return nil
}

// orNull is nil for the zero time, so a NULL column round-trips to zero.
func orNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// deref is the zero time for NULL, else t in UTC.
func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
