// Package postgres stores upstat's state in PostgreSQL, for deployments
// where several replicas share the work and one history. It owns a pgx
// connection pool. Migrations are embedded, ordered NNNN_name.sql files in
// migrations/, applied in order inside one transaction that holds an
// advisory lock, so replicas starting together migrate exactly once.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/internal/touchq"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLock is the advisory lock key held while migrating (any constant
// shared by every replica; "upst" in ASCII).
const migrateLock = 0x75707374

// DB is an open upstat database on PostgreSQL. It is safe for concurrent
// use.
type DB struct {
	pool    *pgxpool.Pool
	touches *touchq.Queue // poll times queued by Touch
	writer  string        // random id naming this DB's change notifications
}

// IsDSN reports whether dsn names a PostgreSQL database
// (postgres:// or postgresql://).
func IsDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database named by dsn (a postgres:// URL; pgx's
// parameters such as pool_max_conns and search_path are honoured) and
// applies any pending migrations. A malformed dsn is an error wrapping
// upstat.ErrInvalid; connection and migration errors are returned wrapped.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if !IsDSN(dsn) {
		return nil, fmt.Errorf("%w: postgres: not a postgres:// URL", upstat.ErrInvalid)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN with its password: say only what is wrong.
		return nil, fmt.Errorf("%w: postgres: invalid connection URL", upstat.ErrInvalid)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool, writer: newWriterID()}
	db.touches = touchq.New(db.writeTouches)
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close writes the poll times queued by Touch and releases the pool.
func (db *DB) Close() error {
	err := db.touches.Close(context.Background())
	db.pool.Close()
	if err != nil {
		return fmt.Errorf("postgres: close: %w", err)
	}
	return nil
}

// Pool is the underlying pool, for the packages that extend this store
// (cluster leases, notifications).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("postgres: bad migration file name %q", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		body, err := fs.ReadFile(migrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: m[2], sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("postgres: two migrations numbered %04d", out[i].version)
		}
	}
	return out, nil
}

// migrate applies pending migrations in one transaction under an advisory
// lock: a second replica waits, then finds nothing left to do.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		applied := map[int]bool{}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			applied[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("%04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// notFound wraps upstat.ErrNotFound for a missing row.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", what, upstat.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}
