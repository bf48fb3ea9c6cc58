package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upstat/upstat/cluster"
)

// DeadReplicaRetention is how long a replica that stopped heartbeating
// stays listed (as not live) before its row is pruned.
const DeadReplicaRetention = 24 * time.Hour

// Cluster is the cluster.Store of this database: replicas and their
// leases as rows with expiry times (migration 0050).
type Cluster struct{ db *DB }

var _ cluster.Store = (*Cluster)(nil)

// Cluster returns the cluster store in db.
func (db *DB) Cluster() *Cluster { return &Cluster{db: db} }

// Heartbeat implements cluster.Store. A replica whose registration had
// expired starts again (started_at is reset). Dead replicas older than
// DeadReplicaRetention are pruned.
func (c *Cluster) Heartbeat(ctx context.Context, id string, now, expires time.Time) error {
	_, err := c.db.pool.Exec(ctx, `INSERT INTO cluster_replicas (id, started_at, heartbeat_at, expires_at)
		VALUES ($1, $2, $2, $3)
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at,
		started_at = CASE WHEN cluster_replicas.expires_at <= excluded.heartbeat_at
			THEN excluded.started_at ELSE cluster_replicas.started_at END`, id, now, expires)
	if err != nil {
		return fmt.Errorf("postgres: heartbeat: %w", err)
	}
	if _, err := c.db.pool.Exec(ctx, `DELETE FROM cluster_replicas WHERE expires_at < $1`, now.Add(-DeadReplicaRetention)); err != nil {
		return fmt.Errorf("postgres: prune replicas: %w", err)
	}
	return nil
}

// Live implements cluster.Store.
func (c *Cluster) Live(ctx context.Context, now time.Time) ([]cluster.Replica, error) {
	return c.replicas(ctx, `SELECT id, started_at, heartbeat_at, expires_at FROM cluster_replicas
		WHERE expires_at > $1 ORDER BY id`, now)
}

// Acquire implements cluster.Store: one statement for every key. A key is
// taken only if it is free, its lease expired, or it is already this
// replica's; the row lock taken by the upsert makes two replicas racing
// for one expired lease end with one holder.
func (c *Cluster) Acquire(ctx context.Context, id string, keys []string, now, expires time.Time) ([]cluster.Lease, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows, err := c.db.pool.Query(ctx, `INSERT INTO cluster_leases (key, replica, generation, expires_at)
		SELECT k, $2, 1, $4 FROM unnest($1::text[]) AS k
		ON CONFLICT (key) DO UPDATE SET replica = excluded.replica, expires_at = excluded.expires_at,
			generation = CASE WHEN cluster_leases.replica = excluded.replica AND cluster_leases.expires_at > $3
				THEN cluster_leases.generation ELSE cluster_leases.generation + 1 END
		WHERE cluster_leases.replica = excluded.replica OR cluster_leases.expires_at <= $3
		RETURNING key, replica, generation, expires_at`, keys, id, now, expires)
	if err != nil {
		return nil, fmt.Errorf("postgres: acquire leases: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanLease)
	if err != nil {
		return nil, fmt.Errorf("postgres: acquire leases: %w", err)
	}
	return out, nil
}

// Fence checks, inside tx, that l (a lease from cluster.Leased.Lease) is
// still its holder's in the same generation and unexpired at now, and
// locks its row until tx ends, so the key cannot change hands before the
// write commits. Otherwise it returns an error wrapping cluster.ErrFenced
// and the caller rolls tx back: a replica that lost its lease (paused,
// cut off) cannot overwrite what the new holder wrote.
func (c *Cluster) Fence(ctx context.Context, tx pgx.Tx, l cluster.Lease, now time.Time) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM cluster_leases
		WHERE key = $1 AND replica = $2 AND generation = $3 AND expires_at > $4 FOR SHARE`,
		l.Key, l.Replica, l.Generation, now).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: lease %s (generation %d of %s): %w", l.Key, l.Generation, l.Replica, cluster.ErrFenced)
	case err != nil:
		return fmt.Errorf("postgres: fence %s: %w", l.Key, err)
	}
	return nil
}

// LeaseFence is a fence for Alerts.FencedBy (or any writer): it fences
// with the lease m holds on key now, or fails with cluster.ErrFenced when
// m does not hold it, or holds it in another generation than term (the
// write was computed under a lease since lost, even if taken again). Term
// 0 asks for any generation.
func (c *Cluster) LeaseFence(m *cluster.Leased, key string, now func() time.Time) Fence {
	return func(ctx context.Context, tx pgx.Tx, term int64) error {
		l, ok := m.Lease(key)
		if !ok {
			return fmt.Errorf("postgres: lease %s not held by %s: %w", key, m.Self(), cluster.ErrFenced)
		}
		if term != 0 && l.Generation != term {
			return fmt.Errorf("postgres: lease %s: %s holds generation %d, the write was made in %d: %w",
				key, m.Self(), l.Generation, term, cluster.ErrFenced)
		}
		return c.Fence(ctx, tx, l, now())
	}
}

// Release implements cluster.Store.
func (c *Cluster) Release(ctx context.Context, id string, keys []string, now time.Time) error {
	_, err := c.db.pool.Exec(ctx, `UPDATE cluster_leases SET expires_at = $3
		WHERE replica = $1 AND key = ANY($2::text[]) AND expires_at > $3`, id, keys, now)
	if err != nil {
		return fmt.Errorf("postgres: release leases: %w", err)
	}
	return nil
}

// Leave implements cluster.Store.
func (c *Cluster) Leave(ctx context.Context, id string, now time.Time) error {
	err := pgx.BeginFunc(ctx, c.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE cluster_leases SET expires_at = $2 WHERE replica = $1 AND expires_at > $2`, id, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE cluster_replicas SET expires_at = $2 WHERE id = $1 AND expires_at > $2`, id, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: leave cluster: %w", err)
	}
	return nil
}

// Replicas implements cluster.Store.
func (c *Cluster) Replicas(ctx context.Context, now time.Time) ([]cluster.Replica, error) {
	reps, err := c.replicas(ctx, `SELECT id, started_at, heartbeat_at, expires_at FROM cluster_replicas ORDER BY id`)
	if err != nil {
		return nil, err
	}
	rows, err := c.db.pool.Query(ctx, `SELECT key, replica, generation, expires_at FROM cluster_leases
		WHERE expires_at > $1 ORDER BY replica, key`, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: leases: %w", err)
	}
	leases, err := pgx.CollectRows(rows, scanLease)
	if err != nil {
		return nil, fmt.Errorf("postgres: leases: %w", err)
	}
	byReplica := map[string][]cluster.Lease{}
	for _, l := range leases {
		byReplica[l.Replica] = append(byReplica[l.Replica], l)
	}
	for i := range reps {
		r := &reps[i]
		r.Live = now.Before(r.ExpiresAt)
		r.Leases = byReplica[r.ID]
		if r.Leases == nil {
			r.Leases = []cluster.Lease{}
		}
	}
	return reps, nil
}

func (c *Cluster) replicas(ctx context.Context, query string, args ...any) ([]cluster.Replica, error) {
	rows, err := c.db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: replicas: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (cluster.Replica, error) {
		var r cluster.Replica
		err := row.Scan(&r.ID, &r.StartedAt, &r.HeartbeatAt, &r.ExpiresAt)
		r.StartedAt, r.HeartbeatAt, r.ExpiresAt = r.StartedAt.UTC(), r.HeartbeatAt.UTC(), r.ExpiresAt.UTC()
		r.Live = len(args) > 0 // Live's query selects live replicas only
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: replicas: %w", err)
	}
	return out, nil
}

func scanLease(row pgx.CollectableRow) (cluster.Lease, error) {
	var l cluster.Lease
	err := row.Scan(&l.Key, &l.Replica, &l.Generation, &l.ExpiresAt)
	l.ExpiresAt = l.ExpiresAt.UTC()
	return l, err
}
