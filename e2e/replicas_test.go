package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// sseRecord is one event as an event stream sent it: its cursor and its
// data, byte for byte.
type sseRecord struct{ id, data string }

// stream follows the event stream of one replica from a cursor.
type stream struct {
	mu     sync.Mutex
	got    []sseRecord
	done   chan struct{}
	cancel context.CancelFunc
}

func (s *stream) records() []sseRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sseRecord(nil), s.got...)
}

// follow opens base's event stream after cursor (Last-Event-ID, as a
// reconnecting browser does) and records it until the replica dies or
// the test ends.
func follow(t *testing.T, base, cursor string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Last-Event-ID", cursor)
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("event stream of %s: %s", base, resp.Status)
	}
	s := &stream{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var id string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				s.mu.Lock()
				s.got = append(s.got, sseRecord{id, strings.TrimPrefix(line, "data: ")})
				s.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-s.done })
	return s
}

// replica is one `upstat serve` process.
type replicaProc struct {
	cmd  *exec.Cmd
	base string
}

// Several `upstat serve` processes share one PostgreSQL database. An
// incident opens, updates and resolves while one replica is SIGKILLed,
// another joins, and a second one is SIGKILLed. Every event stream (and
// a stream reconnected from a dead replica to a live one) carries the
// same events with the same cursors, the store holds each transition
// once, and the survivors' APIs agree.
//
// The replicas share the polling (a lease per vendor, lease_ttl 3s): a
// dead replica's vendors are polled again within interval + lease_ttl.
// Each alert episode fires and resolves, delivered at least once, and
// more than once only where a kill can explain it (as in the crash test).
func TestReplicasOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dsn := pgtest.Schema(t)
	bin := buildUpstat(t)
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	sim.AddVendor("acme", "Acme", fixtures.Component{ID: "api", Name: "API"})
	sim.AddVendor("beta", "Beta", fixtures.Component{ID: "web", Name: "Website"})
	recv := newReceiver()
	defer recv.srv.Close()
	cfgPath := filepath.Join(t.TempDir(), "upstat.yaml")
	cfg := fmt.Sprintf(`storage: %q
poll: {interval: 1s, timeout: 1s, stale_after: 1m, allow_private_networks: true}
cluster: {lease_ttl: 3s}
vendors:
  - {id: acme, name: Acme, sources: [{kind: statuspage, url: %q}]}
  - {id: beta, name: Beta, sources: [{kind: statuspage, url: %q}]}
alerts:
  rules:
    - {name: down, min_severity: degraded, for: 0s, notify: [hook]}
  notifiers:
    - {id: hook, kind: webhook, url: %q}
`, dsn, sim.URL("acme"), sim.URL("beta"), recv.srv.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logDir := t.TempDir()
	start := func() *replicaProc {
		t.Helper()
		listen := freePort(t)
		cmd := exec.Command(bin, "serve", "--config", cfgPath, "--listen", listen)
		logFile, err := os.Create(filepath.Join(logDir, fmt.Sprintf("replica-%s.log", strings.ReplaceAll(listen, ":", "-"))))
		if err != nil {
			t.Fatal(err)
		}
		defer logFile.Close() // the child keeps its own descriptor
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		r := &replicaProc{cmd: cmd, base: "http://" + listen}
		waitFor(t, 15*time.Second, "replica ready", func() bool {
			resp, err := client.Get(r.base + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		return r
	}
	kill := func(r *replicaProc) {
		t.Helper()
		if err := r.cmd.Process.Signal(os.Kill); err != nil {
			t.Fatal(err)
		}
		_ = r.cmd.Wait()
	}
	incident := func(r *replicaProc, id string) (incidentJSON, bool) {
		var in incidentJSON
		err := getJSON(r.base, "/api/v1/incidents/"+id, &in)
		return in, err == nil
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// On failure, what the replicas said about alerts and leases.
	t.Cleanup(func() {
		if t.Failed() {
			logAlertLines(t, logDir)
		}
	})
	reps := []*replicaProc{start(), start(), start()}
	// Both vendors read once before the scenario starts, so each has
	// exactly three status changes: unknown → operational → outage →
	// operational.
	waitFor(t, 10*time.Second, "both vendors operational", func() bool {
		for _, v := range []string{"acme", "beta"} {
			var got vendorJSON
			if getJSON(reps[0].base, "/api/v1/vendors/"+v, &got) != nil || got.Status != "operational" {
				return false
			}
		}
		return true
	})
	// Polls that change nothing move only the poll times: every replica,
	// not only the vendor's poller, shows them (a second's batch and a
	// second's follow later), in the vendor and in the summary, with the
	// same status and staleness.
	pollTimesFollowed(t, reps[:3], []string{"acme", "beta"})
	// Every stream starts after the first event of the log (the cursor is
	// opaque: take one the API gave).
	var first struct {
		Events []struct {
			Cursor string `json:"cursor"`
		} `json:"events"`
	}
	waitFor(t, 10*time.Second, "a first event", func() bool {
		return getJSON(reps[0].base, "/api/v1/events?limit=1", &first) == nil && len(first.Events) == 1
	})
	begin := first.Events[0].Cursor
	var streams []*stream
	for _, r := range reps {
		streams = append(streams, follow(t, r.base, begin))
	}

	must(sim.OpenIncident("acme", "inc1", "API errors", "major", fixtures.Partial, "Investigating.", "api"))
	for _, r := range reps {
		waitFor(t, 10*time.Second, "every replica shows the incident", func() bool { _, ok := incident(r, "acme:inc1"); return ok })
	}
	// A dead replica's vendors are polled again within interval +
	// lease_ttl (1s + 3s), with room for a loaded machine.
	const takeover = (1 + 3 + 5) * time.Second
	kill(reps[0])
	must(sim.UpdateIncident("acme", "inc1", "identified", "Found it."))
	must(sim.OpenIncident("beta", "b1", "Site slow", "minor", fixtures.Degraded, "Looking.", "web"))
	reps = append(reps, start()) // a replica joins
	streams = append(streams, follow(t, reps[3].base, begin))
	waitFor(t, takeover, "the update and beta's incident on a survivor", func() bool {
		in, ok := incident(reps[2], "acme:inc1")
		_, beta := incident(reps[2], "beta:b1")
		return ok && len(in.Updates) == 2 && beta
	})
	kill(reps[1])
	// The stream of the first dead replica resumes on a survivor from
	// the last event it received.
	dead := streams[0].records()
	resumeFrom := begin
	if len(dead) > 0 {
		resumeFrom = dead[len(dead)-1].id
	}
	resumed := follow(t, reps[2].base, resumeFrom)
	must(sim.UpdateIncident("acme", "inc1", "resolved", "Fixed."))
	must(sim.UpdateIncident("beta", "b1", "resolved", "Fixed."))
	for _, r := range reps[2:] {
		waitFor(t, takeover, "both incidents resolved on "+r.base, func() bool {
			a, ok1 := incident(r, "acme:inc1")
			b, ok2 := incident(r, "beta:b1")
			return ok1 && ok2 && a.ResolvedAt != nil && b.ResolvedAt != nil && len(a.Updates) == 3
		})
	}

	// The log, as the API lists it.
	var log []sseRecord
	cursor := ""
	for {
		var page struct {
			Events []struct {
				Cursor     string `json:"cursor"`
				Type       string `json:"type"`
				Vendor     string `json:"vendor"`
				IncidentID string `json:"incident_id"`
			} `json:"events"`
			NextCursor string `json:"next_cursor"`
		}
		must(getJSON(reps[2].base, "/api/v1/events?limit=1000&since="+cursor, &page))
		for _, e := range page.Events {
			what := e.Type + " " + e.IncidentID
			if e.IncidentID == "" {
				what = e.Type + " " + e.Vendor
			}
			log = append(log, sseRecord{id: e.Cursor, data: what})
		}
		if len(page.Events) == 0 {
			break
		}
		cursor = page.NextCursor
	}
	count := map[string]int{}
	for _, e := range log {
		count[e.data]++
	}
	for _, want := range []string{"incident.opened acme:inc1", "incident.resolved acme:inc1", "incident.opened beta:b1", "incident.resolved beta:b1"} {
		if count[want] != 1 {
			t.Errorf("%q stored %d times, want once (log: %v)", want, count[want], count)
		}
	}
	// unknown → operational → outage → operational: three changes each,
	// however many replicas polled the vendor.
	for _, v := range []string{"acme", "beta"} {
		if n := count["vendor.status_changed "+v]; n != 3 {
			t.Errorf("vendor %s: %d status changes stored, want 3 (log: %v)", v, n, count)
		}
	}
	ids := func(rs []sseRecord) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.id
		}
		return out
	}
	logIDs := ids(log[1:]) // the streams start after the first event
	// Live replicas stream the whole log; dead ones a prefix of it; the
	// resumed stream continues the dead one without gap or repeat.
	for i, s := range streams {
		got := s.records()
		alive := i >= 2
		if alive {
			waitFor(t, 10*time.Second, "stream caught up", func() bool { return len(s.records()) >= len(logIDs) })
			got = s.records()
		}
		if alive && !reflect.DeepEqual(ids(got), logIDs) || !alive && !reflect.DeepEqual(ids(got), logIDs[:min(len(got), len(logIDs))]) {
			t.Errorf("stream %d (alive %v): cursors %v\nlog: %v", i, alive, ids(got), logIDs)
		}
	}
	waitFor(t, 10*time.Second, "resumed stream caught up", func() bool { return len(dead)+len(resumed.records()) >= len(logIDs) })
	if joined := append(ids(dead), ids(resumed.records())...); !reflect.DeepEqual(joined, logIDs) {
		t.Errorf("stream resumed on another replica: cursors %v\nlog: %v", joined, logIDs)
	}
	// The same events, byte for byte, on the two live streams.
	if a, b := streams[2].records(), streams[3].records(); !reflect.DeepEqual(a, b) {
		t.Errorf("the live replicas streamed different events:\n%v\n%v", a, b)
	}
	t.Logf("%d events in the log; streams got %d, %d, %d, %d; the resumed one %d+%d", len(log), len(streams[0].records()),
		len(streams[1].records()), len(streams[2].records()), len(streams[3].records()), len(dead), len(resumed.records()))
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
	checkNotifications(t, recv.all(), 2)
	// The survivors agree on what they show.
	for _, id := range []string{"acme:inc1", "beta:b1"} {
		a, _ := incident(reps[2], id)
		b, _ := incident(reps[3], id)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("incident %s differs between survivors:\n%+v\n%+v", id, a, b)
		}
	}
}

// logAlertLines logs what each replica's log (in dir) says about alerts,
// leases and failures: the story of a missed or repeated notification.
func logAlertLines(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("replica log: %v", err)
			continue
		}
		for _, line := range strings.Split(string(body), "\n") {
			if strings.Contains(line, "alert") || strings.Contains(line, "cluster") || strings.Contains(line, "level=ERROR") {
				t.Logf("%s: %s", filepath.Base(f), line)
			}
		}
	}
}

// pollTimesFollowed checks that every replica shows, within 10s, a
// last_checked_at of each vendor at least as late as the latest any of
// them showed at the start, in /vendors/{id} and in /summary, and the
// same status and staleness.
func pollTimesFollowed(t *testing.T, reps []*replicaProc, vendors []string) {
	t.Helper()
	type summary struct {
		Vendors []struct {
			ID            string     `json:"id"`
			Status        string     `json:"status"`
			Stale         bool       `json:"stale"`
			LastCheckedAt *time.Time `json:"last_checked_at"`
		} `json:"vendors"`
	}
	// latestShown is the latest last_checked_at of id any replica shows.
	latestShown := func(id string) time.Time {
		var latest time.Time
		for _, r := range reps {
			var v vendorJSON
			if err := getJSON(r.base, "/api/v1/vendors/"+id, &v); err != nil {
				t.Fatal(err)
			}
			if v.LastCheckedAt != nil && v.LastCheckedAt.After(latest) {
				latest = *v.LastCheckedAt
			}
		}
		return latest
	}
	for _, id := range vendors {
		// A few polls (every second) after the last change: the poller's
		// poll times have moved on alone.
		first := latestShown(id)
		var latest time.Time
		waitFor(t, 10*time.Second, id+" polled again without a change", func() bool {
			latest = latestShown(id)
			return latest.Sub(first) >= 2*time.Second
		})
		start := time.Now()
		waitFor(t, 10*time.Second, "every replica showing "+id+"'s poll times of "+latest.Format(time.RFC3339Nano), func() bool {
			var status string
			var stale bool
			for i, r := range reps {
				var v vendorJSON
				var sum summary
				if getJSON(r.base, "/api/v1/vendors/"+id, &v) != nil || getJSON(r.base, "/api/v1/summary", &sum) != nil {
					return false
				}
				if v.LastCheckedAt == nil || v.LastCheckedAt.Before(latest) {
					return false
				}
				for _, s := range sum.Vendors {
					if s.ID == id && (s.LastCheckedAt == nil || s.LastCheckedAt.Before(latest) || s.Status != v.Status || s.Stale != v.Stale) {
						return false
					}
				}
				if i > 0 && (v.Status != status || v.Stale != stale) {
					t.Errorf("%s: replica %d shows %s stale %v, replica 0 %s stale %v", id, i, v.Status, v.Stale, status, stale)
				}
				status, stale = v.Status, v.Stale
			}
			return true
		})
		t.Logf("%s: every replica showed the poll times of %s after %s", id, latest.Format(time.RFC3339Nano), time.Since(start).Round(10*time.Millisecond))
	}
}
