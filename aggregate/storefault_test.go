package aggregate

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// outageSnap is a snapshot saying the vendor's API is down, with n
// incidents of long bodies (enough to fill a small database).
func outageSnap(n int) *upstat.Snapshot {
	snap := &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.MajorOutage)},
		Indicator: ptr(upstat.MajorOutage)}
	for i := range n {
		snap.Incidents = append(snap.Incidents, upstat.Incident{
			ID: fmt.Sprintf("inc%d", i), Title: "API down", Severity: upstat.MajorOutage, Status: upstat.StateInvestigating,
			StartedAt: at(i), UpdatedAt: at(i),
			Updates: []upstat.Update{{ID: "u1", At: at(i), Status: upstat.StateInvestigating, Body: strings.Repeat("The API is down. ", 200)}},
		})
	}
	return snap
}

func okSnap() *upstat.Snapshot {
	return &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)}, Indicator: ptr(upstat.Operational)}
}

// wantStoreFailure checks that a failed record shows on the vendor as a
// failure of its source, with what it said before kept.
func wantStoreFailure(t *testing.T, e *env, err error, cause string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), cause) {
		t.Fatalf("record: %v, want an error naming %q", err, cause)
	}
	v := e.vendor("acme")
	if !strings.HasPrefix(v.Sources[0].LastError, "store: ") || !strings.HasPrefix(v.LastError, "store: ") {
		t.Errorf("source last_error %q, vendor last_error %q; want both to start with \"store: \"", v.Sources[0].LastError, v.LastError)
	}
	if v.Status != upstat.Operational || len(v.Incidents) != 0 {
		t.Errorf("status %s with %d incidents, want the last stored state (operational, none)", v.Status, len(v.Incidents))
	}
}

// TestStoreBusyFailsThePoll: a real SQLITE_BUSY (a second connection
// holding BEGIN IMMEDIATE) makes the poll a failure of its source that
// counts toward stale; once the lock is released the next record shows
// the vendor's real state.
func TestStoreBusyFailsThePoll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "upstat.db")
	e := &env{t: t, path: path + "?_pragma=busy_timeout(20)", clock: &fakeClock{t: t0}, cfg: []VendorConfig{oneVendor("acme")}}
	e.open()
	ctx := context.Background()
	e.record("acme", 0, okSnap(), nil)

	locker, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	conn, err := locker.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	e.clock.Advance(time.Minute)
	wantStoreFailure(t, e, e.svc.Record(ctx, "acme", 0, outageSnap(1), nil), "SQLITE_BUSY")
	if v := e.vendor("acme"); v.Stale {
		t.Errorf("stale after one failed record, want not yet")
	}
	e.clock.Advance(DefaultStaleAfter)
	wantStoreFailure(t, e, e.svc.Record(ctx, "acme", 0, outageSnap(1), nil), "SQLITE_BUSY")
	if v := e.vendor("acme"); !v.Stale {
		t.Errorf("not stale after failing to store for %s", DefaultStaleAfter)
	}

	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	e.record("acme", 0, outageSnap(1), nil)
	v := e.vendor("acme")
	if v.Status != upstat.MajorOutage || v.Stale || v.LastError != "" || v.Sources[0].LastError != "" || len(v.Incidents) != 1 {
		t.Errorf("after the lock is released: status %s stale %v last_error %q/%q incidents %d; want major_outage, current, no error, 1",
			v.Status, v.Stale, v.LastError, v.Sources[0].LastError, len(v.Incidents))
	}
	e.reopen()
	if v := e.vendor("acme"); v.Status != upstat.MajorOutage || v.LastError != "" {
		t.Errorf("after restart: status %s last_error %q, want the stored major_outage", v.Status, v.LastError)
	}
}

// TestStoreFullFailsThePoll: a real SQLITE_FULL (max_page_count at the
// database's size) makes the poll a failure of its source; with room
// again, the next record stores the vendor's real state.
func TestStoreFullFailsThePoll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "upstat.db")
	e := newEnv(t, oneVendor("acme"))
	e.path = path
	e.reopen()
	e.record("acme", 0, okSnap(), nil)
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	var pages int
	probe, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := probe.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	_ = probe.Close()

	e.path = fmt.Sprintf("%s?_pragma=max_page_count(%d)", path, pages+2)
	e.open()
	e.clock.Advance(time.Minute)
	wantStoreFailure(t, e, e.svc.Record(context.Background(), "acme", 0, outageSnap(100), nil), "disk is full (13)")

	e.path = path // room again (a restart after freeing disk space)
	e.reopen()
	e.clock.Advance(time.Minute)
	e.record("acme", 0, outageSnap(100), nil)
	if v := e.vendor("acme"); v.Status != upstat.MajorOutage || v.LastError != "" || len(v.Incidents) != 100 {
		t.Errorf("with room again: status %s last_error %q incidents %d; want major_outage, no error, 100", v.Status, v.LastError, len(v.Incidents))
	}
}

// TestActiveIncidentCap: a page whose incident ids change on every poll
// cannot grow a vendor past the cap: the poll that would fails, says
// why, and stores nothing of its snapshot.
func TestActiveIncidentCap(t *testing.T) {
	e := &env{t: t, path: filepath.Join(t.TempDir(), "upstat.db"), clock: &fakeClock{t: t0},
		cfg: []VendorConfig{oneVendor("acme")}, opts: Options{MaxActiveIncidents: 5}}
	e.open()
	e.record("acme", 0, okSnap(), nil)
	e.record("acme", 0, outageSnap(4), nil)
	e.clock.Advance(time.Minute)
	err := e.svc.Record(context.Background(), "acme", 0, outageSnap(6), nil)
	if err == nil || !strings.Contains(err.Error(), "over the limit of 5") {
		t.Fatalf("record of 6 open incidents: %v, want the limit named", err)
	}
	v := e.vendor("acme")
	if len(v.Incidents) != 4 || !strings.Contains(v.Sources[0].LastError, "limits.max_active_incidents") {
		t.Errorf("%d incidents, source error %q; want the 4 stored before and the limit named", len(v.Incidents), v.Sources[0].LastError)
	}
	if all := e.incidents(upstat.IncidentFilter{Vendor: "acme"}); len(all) != 4 {
		t.Errorf("%d incidents stored, want 4", len(all))
	}
}
