package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/upstat/upstat"
)

// rekeyIncidents gives every stored incident the id upstat.IncidentID
// gives it today, moving its updates and events along and keeping the
// source's id in source_ref: incidents stored under a feed link
// ("inkwell:http://…", unusable in a URL path) stay reachable under their
// new id. It runs at every Open and finds nothing to do once done; the
// candidates are found by a scan for characters a path-safe id lacks.
func (db *DB) rekeyIncidents(ctx context.Context) error {
	rows, err := db.wconn.QueryContext(ctx, `SELECT id, vendor_id FROM incidents
		WHERE source_ref = '' AND (id GLOB '*[^A-Za-z0-9._~:-]*' OR length(id) > length(vendor_id) + 101)`)
	if err != nil {
		return fmt.Errorf("sqlite: rekey incidents: %w", err)
	}
	type move struct{ from, to, ref string }
	var moves []move
	for rows.Next() {
		var id, vendor string
		if err := rows.Scan(&id, &vendor); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: rekey incidents: %w", err)
		}
		to, ref := upstat.IncidentID(vendor, strings.TrimPrefix(id, vendor+":"))
		if to != id {
			moves = append(moves, move{id, to, ref})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: rekey incidents: %w", err)
	}
	if len(moves) == 0 {
		return nil
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		// The updates follow their incident within the transaction.
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		for _, m := range moves {
			for _, q := range []string{
				`UPDATE incidents SET id = ?2, source_ref = ?3 WHERE id = ?1`,
				`UPDATE updates SET incident_id = ?2 WHERE incident_id = ?1`,
				`UPDATE events SET incident_id = ?2 WHERE incident_id = ?1`,
			} {
				if _, err := tx.ExecContext(ctx, q, m.from, m.to, m.ref); err != nil {
					return fmt.Errorf("%s: %w", m.from, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: rekey incidents: %w", err)
	}
	return nil
}
