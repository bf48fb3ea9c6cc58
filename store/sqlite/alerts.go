package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
)

// Alerts is the alert engine's Store (alert states and the notification
// outbox) in this database. Its writes share the database's single writer.
type Alerts struct{ db *DB }

var _ alert.Store = (*Alerts)(nil)

// Alerts returns the alert engine's Store in db.
func (db *DB) Alerts() *Alerts { return &Alerts{db: db} }

// AlertStates implements alert.Store.
func (a *Alerts) AlertStates(ctx context.Context) ([]alert.State, error) {
	rows, err := a.db.db.QueryContext(ctx, `SELECT key, rule, vendor_id, component, phase, severity, since,
		fired_at, clear_since, notified_at, labels, notify FROM alert_states ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: alert states: %w", err)
	}
	defer rows.Close()
	var out []alert.State
	for rows.Next() {
		var s alert.State
		var since int64
		var fired, clear, notified sql.NullInt64
		var labels, notify string
		if err := rows.Scan(&s.Key, &s.Rule, &s.Vendor, &s.Component, &s.Phase, &s.Severity, &since,
			&fired, &clear, &notified, &labels, &notify); err != nil {
			return nil, fmt.Errorf("sqlite: alert states: %w", err)
		}
		s.Since, s.FiredAt, s.ClearSince, s.NotifiedAt = fromMillis(since), orZero(fired), orZero(clear), orZero(notified)
		if err := json.Unmarshal([]byte(labels), &s.Labels); err != nil {
			return nil, fmt.Errorf("sqlite: alert %s labels: %w", s.Key, err)
		}
		if err := json.Unmarshal([]byte(notify), &s.Notify); err != nil {
			return nil, fmt.Errorf("sqlite: alert %s notify: %w", s.Key, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: alert states: %w", err)
	}
	return out, nil
}

func orZero(v sql.NullInt64) time.Time {
	if t := fromNullMillis(v); t != nil {
		return *t
	}
	return time.Time{}
}

// Apply implements alert.Store: one transaction, so an alert that fired
// has its notifications enqueued, or neither happened.
func (a *Alerts) Apply(ctx context.Context, c alert.Change) error {
	err := a.db.write(ctx, func(tx *sql.Tx) error {
		for _, s := range c.Put {
			labels, _ := json.Marshal(nonNilLabels(s.Labels))
			notify, _ := json.Marshal(append([]string{}, s.Notify...))
			if _, err := tx.ExecContext(ctx, `INSERT INTO alert_states (key, rule, vendor_id, component, phase, severity,
				since, fired_at, clear_since, notified_at, labels, notify) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET rule = excluded.rule, vendor_id = excluded.vendor_id,
				component = excluded.component, phase = excluded.phase, severity = excluded.severity,
				since = excluded.since, fired_at = excluded.fired_at, clear_since = excluded.clear_since,
				notified_at = excluded.notified_at, labels = excluded.labels, notify = excluded.notify`,
				s.Key, s.Rule, s.Vendor, s.Component, string(s.Phase), int(s.Severity), millis(s.Since),
				nullMillis(zeroNil(s.FiredAt)), nullMillis(zeroNil(s.ClearSince)), nullMillis(zeroNil(s.NotifiedAt)),
				string(labels), string(notify)); err != nil {
				return fmt.Errorf("put alert %s: %w", s.Key, err)
			}
		}
		for _, key := range c.Delete {
			if _, err := tx.ExecContext(ctx, `DELETE FROM alert_states WHERE key = ?`, key); err != nil {
				return fmt.Errorf("delete alert %s: %w", key, err)
			}
		}
		for i := range c.Enqueue {
			d := &c.Enqueue[i]
			body, err := json.Marshal(d.Notification)
			if err != nil {
				return fmt.Errorf("encode notification: %w", err)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO alert_outbox (notifier, alert_key, notification, state, attempts,
				next_attempt_at, last_error, refresh, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				d.Notifier, d.AlertKey, string(body), string(d.State), d.Attempts, millis(d.NextAttemptAt), d.LastError,
				d.Refresh, millis(d.CreatedAt), millis(d.UpdatedAt))
			if err != nil {
				return fmt.Errorf("enqueue: %w", err)
			}
			if d.ID, err = res.LastInsertId(); err != nil {
				return fmt.Errorf("enqueue: %w", err)
			}
		}
		if len(c.Enqueue) > 0 {
			cutoff := c.Enqueue[0].CreatedAt.Add(-alert.SentRetention)
			if _, err := tx.ExecContext(ctx, `DELETE FROM alert_outbox WHERE state = 'sent' AND updated_at < ?`, millis(cutoff)); err != nil {
				return fmt.Errorf("prune outbox: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: alerts apply: %w", err)
	}
	return nil
}

const deliveryColumns = `id, notifier, alert_key, notification, state, attempts, next_attempt_at, last_error, refresh, created_at, updated_at`

// DueDeliveries implements alert.Store.
func (a *Alerts) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]alert.Delivery, error) {
	return a.deliveries(ctx, `SELECT `+deliveryColumns+` FROM alert_outbox o
		WHERE state = 'pending' AND next_attempt_at <= ?
		AND id = (SELECT min(id) FROM alert_outbox p WHERE p.state = 'pending' AND p.notifier = o.notifier AND p.alert_key = o.alert_key)
		ORDER BY id LIMIT ?`, millis(now), limit)
}

// Deliveries implements alert.Store.
func (a *Alerts) Deliveries(ctx context.Context, st alert.DeliveryState, limit int) ([]alert.Delivery, error) {
	return a.deliveries(ctx, `SELECT `+deliveryColumns+` FROM alert_outbox WHERE state = ? ORDER BY id DESC LIMIT ?`, string(st), limit)
}

func (a *Alerts) deliveries(ctx context.Context, query string, args ...any) ([]alert.Delivery, error) {
	rows, err := a.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: outbox: %w", err)
	}
	defer rows.Close()
	var out []alert.Delivery
	for rows.Next() {
		var d alert.Delivery
		var body, state string
		var next, created, updated int64
		if err := rows.Scan(&d.ID, &d.Notifier, &d.AlertKey, &body, &state, &d.Attempts, &next, &d.LastError,
			&d.Refresh, &created, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: outbox: %w", err)
		}
		if err := json.Unmarshal([]byte(body), &d.Notification); err != nil {
			return nil, fmt.Errorf("sqlite: outbox %d: %w", d.ID, err)
		}
		d.State, d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = alert.DeliveryState(state), fromMillis(next), fromMillis(created), fromMillis(updated)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: outbox: %w", err)
	}
	return out, nil
}

// UpdateDelivery implements alert.Store. An unknown ID is an error wrapping
// upstat.ErrNotFound.
func (a *Alerts) UpdateDelivery(ctx context.Context, d alert.Delivery) error {
	return a.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET state = ?, attempts = ?, next_attempt_at = ?,
			last_error = ?, updated_at = ? WHERE id = ?`,
			string(d.State), d.Attempts, millis(d.NextAttemptAt), d.LastError, millis(d.UpdatedAt), d.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update delivery %d: %w", d.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlite: update delivery %d: %w", d.ID, upstat.ErrNotFound)
		}
		return nil
	})
}
