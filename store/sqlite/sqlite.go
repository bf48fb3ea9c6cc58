// Package sqlite stores upstat's state in a SQLite database: vendors, their
// sources and components, incidents with their updates, and the event log.
// It owns the *sql.DB. Migrations are embedded, ordered NNNN_name.sql files
// in migrations/, applied in order and recorded in schema_migrations, so a
// feature adds a table by adding a file.
//
// Writes are serialised through one connection (see DB.write): SQLite has a
// single writer, and queueing in Go is cheaper and more predictable than
// retrying SQLITE_BUSY. Reads use the pool and run concurrently (WAL).
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upstat/upstat"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// pragmas are set on every pooled connection through the DSN, unless the
// storage string sets the same one itself (storage:
// "sqlite:upstat.db?_pragma=busy_timeout(100)").
var pragmas = []string{"_pragma=busy_timeout(5000)", "_pragma=journal_mode(WAL)",
	"_pragma=foreign_keys(1)", "_pragma=synchronous(NORMAL)", "_txlock=immediate"}

// withPragmas appends to query the default pragmas it does not set.
func withPragmas(query string) string {
	out := query
	for _, p := range pragmas {
		name, _, _ := strings.Cut(p, "(")
		if strings.Contains(query, name+"(") || strings.Contains(query, name+"=") {
			continue
		}
		if out != "" {
			out += "&"
		}
		out += p
	}
	return out
}

// DB is an open upstat database. It is safe for concurrent use.
type DB struct {
	db *sql.DB

	// writeMu serialises every write transaction on wconn.
	writeMu sync.Mutex
	wconn   *sql.Conn
	stmts   writeStmts

	rowsWritten atomic.Int64 // rows changed by Apply, see RowsWritten
	touches     touches      // poll times queued by Touch
}

// Open opens (creating if needed) the database named by dsn and applies
// any pending migrations. dsn is "sqlite:PATH", a plain PATH, or ":memory:"
// (a private in-memory database shared by this DB's pool). Errors from the
// driver or a migration are returned wrapped.
func Open(ctx context.Context, dsn string) (*DB, error) {
	name, err := driverDSN(dsn)
	if err != nil {
		return nil, err
	}
	sdb, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db := &DB{db: sdb}
	if err := db.init(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) init(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open: %w", err)
	}
	wconn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: write connection: %w", err)
	}
	db.wconn = wconn
	if err := db.migrate(ctx); err != nil {
		return err
	}
	if err := db.rekeyIncidents(ctx); err != nil {
		return err
	}
	return db.stmts.prepare(ctx, db.db)
}

// driverDSN turns an upstat storage string into a modernc DSN with the
// pragmas every connection needs.
func driverDSN(dsn string) (string, error) {
	path := strings.TrimPrefix(dsn, "sqlite:")
	path = strings.TrimPrefix(path, "//")
	switch {
	case path == "":
		return "", fmt.Errorf("sqlite: %w: empty database path", upstat.ErrInvalid)
	case path == ":memory:":
		// Each pooled connection to ":memory:" would see its own empty
		// database: name a shared-cache one instead.
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("sqlite: memory name: %w", err)
		}
		return "file:upstat-" + hex.EncodeToString(b[:]) + "?mode=memory&cache=shared&" + withPragmas(""), nil
	}
	path, query, _ := strings.Cut(path, "?")
	return path + "?" + withPragmas(query), nil
}

// Close writes the poll times queued by Touch and closes the database. It
// is safe to call on a partly opened DB.
func (db *DB) Close() error {
	var errs []error
	errs = append(errs, db.closeTouches(context.Background()))
	db.stmts.close()
	if db.wconn != nil {
		errs = append(errs, db.wconn.Close())
	}
	errs = append(errs, db.db.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// write runs fn in one write transaction on the single write connection,
// committing if fn returns nil. Every write of the package goes through it.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	tx, err := db.wconn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations in version order. A misnamed
// file or a duplicate version is an error: it is a programming mistake.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("sqlite: migrations: bad file name %q (want NNNN_name.sql)", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqlite: migrations: %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(migrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("sqlite: migrations: %w", err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies, each in its own transaction, every migration not yet
// recorded in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`
	if _, err := db.wconn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	for _, m := range ms {
		err := db.write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// millis converts a time to the stored form (unix milliseconds).
func millis(t time.Time) int64 { return t.UnixMilli() }

// nullMillis converts an optional time to the stored form.
func nullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMillis converts a stored time back, in UTC.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromNullMillis converts a stored optional time back, in UTC.
func fromNullMillis(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMillis(v.Int64)
	return &t
}
