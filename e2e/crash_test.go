package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to inspect the database
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", to inspect the file

	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// Crash test shape: at least 30 SIGKILLs, each life 0.5–2.5s.
const (
	crashKills   = 32
	lifeMin      = 500 * time.Millisecond
	lifeSpread   = 1000 * time.Millisecond
	scenarioStep = 300 * time.Millisecond
)

// buildUpstat builds the real binary (without -race, for speed).
func buildUpstat(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "upstat")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/upstat/upstat/cmd/upstat")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// receiver records webhook notifications.
type receiver struct {
	mu   sync.Mutex
	got  []notification
	srv  *httptest.Server
	errs int
}

type notification struct {
	Status string `json:"status"`
	Key    string `json:"key"`
	Alert  struct {
		Since time.Time `json:"since"`
	} `json:"alert"`
	Reminder bool `json:"reminder"`
}

func newReceiver() *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var n notification
		body, err := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err != nil || json.Unmarshal(body, &n) != nil {
			r.errs++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.got = append(r.got, n)
	}))
	return r
}

func (r *receiver) all() []notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notification(nil), r.got...)
}

// scenario drives the fixture vendors: incidents open, update and
// resolve, components flip. It remembers what it did.
type scenario struct {
	sim *fixtures.Server
	rng *rand.Rand

	mu      sync.Mutex
	open    map[string]string // incident id -> vendor
	updates map[string]int    // incident id -> updates written
	all     map[string]string // every incident ever opened -> vendor
	n       int
}

func (s *scenario) step() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	vendors := []string{"acme", "beta"}
	switch r := s.rng.IntN(10); {
	case r < 2 || len(s.open) == 0:
		s.n++
		id, v := fmt.Sprintf("inc%03d", s.n), vendors[s.rng.IntN(2)]
		if err := s.sim.OpenIncident(v, id, "Incident "+id, "major", fixtures.Partial, "Investigating "+id+".", "api"); err != nil {
			return err
		}
		s.open[id], s.all[id], s.updates[id] = v, v, 1
	case r < 8:
		id, v := s.pick()
		status := []string{"identified", "monitoring", "resolved"}[s.rng.IntN(3)]
		if err := s.sim.UpdateIncident(v, id, status, "Now "+status+"."); err != nil {
			return err
		}
		s.updates[id]++
		if status == "resolved" {
			delete(s.open, id)
		}
	default:
		status := []string{fixtures.Operational, fixtures.Degraded}[s.rng.IntN(2)]
		return s.sim.SetComponent(vendors[s.rng.IntN(2)], "web", status)
	}
	return nil
}

// pick returns an open incident, the lowest id first for determinism.
func (s *scenario) pick() (string, string) {
	best := ""
	for id := range s.open {
		if best == "" || id < best {
			best = id
		}
	}
	return best, s.open[best]
}

// resolveAll resolves every open incident (the end of the scenario).
func (s *scenario) resolveAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.open {
		if err := s.sim.UpdateIncident(v, id, "resolved", "Resolved at the end."); err != nil {
			return err
		}
		s.updates[id]++
		delete(s.open, id)
	}
	return nil
}

// seen is what the API showed of one incident before a kill.
type seen struct {
	updates  int
	resolved bool
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestCrashSafety(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	crashSafety(t, "sqlite:"+dbPath, func(t *testing.T) (*sql.DB, string) {
		db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		var integrity string
		if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
			t.Errorf("integrity_check = %q (%v)", integrity, err)
		}
		return db, "SELECT seq, at, type, incident_id FROM events ORDER BY seq"
	})
}

// The same on PostgreSQL: every SIGKILL leaves the server with a
// connection dropped mid-transaction.
func TestCrashSafetyPostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	crashSafety(t, dsn, func(t *testing.T) (*sql.DB, string) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		return db, "SELECT seq, (extract(epoch FROM at) * 1000)::bigint, type, incident_id FROM events ORDER BY seq"
	})
}

// crashSafety runs the scenario against storage, SIGKILLing upstat
// crashKills times, then checks the database that open gives (with the
// query listing seq, at in milliseconds, type and incident_id of every
// event in seq order).
func crashSafety(t *testing.T, storage string, open func(t *testing.T) (*sql.DB, string)) {
	if testing.Short() {
		t.Skip("crash test builds and kills the real binary")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("UPSTAT_CRASH_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("crash test seed %d (replay with UPSTAT_CRASH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	built := time.Now()
	bin := buildUpstat(t)
	t.Logf("built upstat in %s", time.Since(built).Round(time.Millisecond))

	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	sim.AddVendor("acme", "Acme", fixtures.Component{ID: "api", Name: "API"}, fixtures.Component{ID: "web", Name: "Website"})
	sim.AddVendor("beta", "Beta", fixtures.Component{ID: "api", Name: "API"}, fixtures.Component{ID: "web", Name: "Website"})
	recv := newReceiver()
	defer recv.srv.Close()

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "upstat.yaml")
	writeConfig := func(listen string) {
		cfg := fmt.Sprintf(`listen: %q
storage: %q
poll: {interval: 1s, timeout: 1s, stale_after: 1m, allow_private_networks: true}
cluster: {replica_id: crash-test} # each life takes its predecessor's leases at once (PostgreSQL)
vendors:
  - {id: acme, name: Acme, sources: [{kind: statuspage, url: %q}]}
  - {id: beta, name: Beta, sources: [{kind: statuspage, url: %q}]}
alerts:
  rules:
    - {name: api-down, components: [API], min_severity: partial_outage, for: 0s, notify: [hook]}
  notifiers:
    - {id: hook, kind: webhook, url: %q}
`, listen, storage, sim.URL("acme"), sim.URL("beta"), recv.srv.URL)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	sc := &scenario{sim: sim, rng: rand.New(rand.NewPCG(seed, 1)), open: map[string]string{}, updates: map[string]int{}, all: map[string]string{}}
	ctx, stopScenario := context.WithCancel(context.Background())
	scenarioDone := make(chan error, 1)
	go func() {
		tick := time.NewTicker(scenarioStep)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				scenarioDone <- nil
				return
			case <-tick.C:
				if err := sc.step(); err != nil {
					scenarioDone <- err
					return
				}
			}
		}
	}()
	defer stopScenario()

	observed := map[string]seen{} // everything the API showed before some kill
	start := time.Now()
	var base string
	startLife := func() *exec.Cmd {
		t.Helper()
		listen := freePort(t)
		writeConfig(listen)
		base = "http://" + listen
		cmd := exec.Command(bin, "serve", "--config", cfgPath)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, "upstat ready", func() bool {
			resp, err := client.Get(base + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		return cmd
	}
	// listed returns every incident the API lists, with its updates.
	listed := func() (map[string]seen, error) {
		out := map[string]seen{}
		for _, v := range []string{"acme", "beta"} {
			var list struct {
				Incidents []incidentJSON `json:"incidents"`
			}
			if err := getJSON(base, "/api/v1/incidents?state=all&limit=500&vendor="+v, &list); err != nil {
				return nil, err
			}
			for _, in := range list.Incidents {
				var full incidentJSON
				if err := getJSON(base, "/api/v1/incidents/"+in.ID, &full); err != nil {
					return nil, err
				}
				out[in.ID] = seen{updates: len(full.Updates), resolved: full.ResolvedAt != nil}
			}
		}
		return out, nil
	}
	checkKept := func(now map[string]seen, when string) {
		t.Helper()
		for id, before := range observed {
			got, ok := now[id]
			switch {
			case !ok:
				t.Errorf("%s: incident %s was shown before a kill and is gone", when, id)
			case got.updates < before.updates:
				t.Errorf("%s: incident %s had %d updates before a kill, now %d", when, id, before.updates, got.updates)
			case before.resolved && !got.resolved:
				t.Errorf("%s: incident %s was resolved before a kill, now open", when, id)
			}
		}
	}

	for kill := 0; kill < crashKills; kill++ {
		cmd := startLife()
		if now, err := listed(); err == nil {
			checkKept(now, fmt.Sprintf("after kill %d", kill))
		} else {
			t.Errorf("life %d: %v", kill, err)
		}
		life := lifeMin + time.Duration(rng.Int64N(int64(lifeSpread)))
		<-time.After(life) // the scenario's random kill moment
		// What the API shows now was committed; record it, then kill at
		// once (half the time mid-read of the next page).
		if now, err := listed(); err == nil {
			for id, s := range now {
				observed[id] = s
			}
		}
		if err := cmd.Process.Signal(os.Kill); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	}
	killsTook := time.Since(start)

	// The last life: the scenario ends, every incident resolves, upstat
	// catches up and delivers what it owes, then stops cleanly.
	stopScenario()
	if err := <-scenarioDone; err != nil {
		t.Fatal(err)
	}
	if err := sc.resolveAll(); err != nil {
		t.Fatal(err)
	}
	cmd := startLife()
	var final map[string]seen
	waitFor(t, 30*time.Second, "upstat caught up with the scenario", func() bool {
		now, err := listed()
		if err != nil || len(now) != len(sc.all) {
			return false
		}
		for id, v := range sc.all {
			s := now[v+":"+id]
			if !s.resolved || s.updates != sc.updates[id] {
				return false
			}
		}
		final = now
		return true
	})
	checkKept(final, "at the end")
	t.Logf("caught up %s after the last kill", time.Since(start.Add(killsTook)).Round(time.Millisecond))
	waitFor(t, 30*time.Second, "every alert resolved and delivered", func() bool {
		last := map[string]string{}
		for _, n := range recv.all() {
			last[n.Key] = n.Status
		}
		for _, st := range last {
			if st != "resolved" {
				return false
			}
		}
		return len(last) > 0
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("clean stop: %v", err)
	}
	t.Logf("%d SIGKILLs in %s; %d incidents, %d notifications", crashKills, killsTook.Round(time.Millisecond), len(sc.all), len(recv.all()))

	db, eventsQuery := open(t)
	defer db.Close()
	checkDatabase(t, db, eventsQuery, sc)
	checkNotifications(t, recv.all(), crashKills)
}

// checkDatabase inspects the database the killed processes left.
func checkDatabase(t *testing.T, db *sql.DB, eventsQuery string, sc *scenario) {
	t.Helper()
	for id, v := range sc.all {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM updates WHERE incident_id = $1", v+":"+id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != sc.updates[id] {
			t.Errorf("incident %s: %d updates stored, the vendor wrote %d", id, n, sc.updates[id])
		}
	}
	rows, err := db.Query(eventsQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lastSeq, lastAt int64
	opened, resolved := map[string]int{}, map[string]int{}
	for rows.Next() {
		var seq, at int64
		var typ, inc string
		if err := rows.Scan(&seq, &at, &typ, &inc); err != nil {
			t.Fatal(err)
		}
		if seq <= lastSeq || at < lastAt {
			t.Errorf("event %d (at %d) after event %d (at %d): out of order", seq, at, lastSeq, lastAt)
		}
		lastSeq, lastAt = seq, at
		switch typ {
		case "incident.opened":
			opened[inc]++
		case "incident.resolved":
			resolved[inc]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for id, v := range sc.all {
		key := v + ":" + id
		if opened[key] != 1 || resolved[key] != 1 {
			t.Errorf("incident %s: %d opened and %d resolved events, want one each", key, opened[key], resolved[key])
		}
	}
}

// checkNotifications: every firing episode (alert key and since) was
// delivered at least once and resolved; a kill between a send and its
// record may resend a notification (at-least-once delivery), so each
// (key, status, since) may repeat, at most once per kill, and never
// with a different key.
func checkNotifications(t *testing.T, got []notification, kills int) {
	t.Helper()
	type episode struct {
		key   string
		since time.Time
	}
	count := map[episode]map[string]int{}
	dups := 0
	for _, n := range got {
		if n.Reminder {
			continue
		}
		// The store keeps milliseconds: a notification sent after a
		// restart carries a truncated since.
		e := episode{n.Key, n.Alert.Since.UTC().Truncate(time.Millisecond)}
		if count[e] == nil {
			count[e] = map[string]int{}
		}
		count[e][n.Status]++
		if count[e][n.Status] > 1 {
			dups++
		}
	}
	if len(count) == 0 {
		t.Fatal("no alert fired during the scenario")
	}
	for e, c := range count {
		if c["firing"] < 1 || c["resolved"] < 1 {
			t.Errorf("episode %s since %s: %d firing and %d resolved deliveries, want at least one each", e.key, e.since, c["firing"], c["resolved"])
		}
	}
	t.Logf("%d firing episodes, %d resent notifications over %d kills", len(count), dups, kills)
	if dups > kills {
		t.Errorf("%d duplicate notifications for %d kills: more than a crash between send and record explains", dups, kills)
	}
}
