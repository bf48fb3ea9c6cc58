// Package e2e holds the end-to-end robustness tests of upstat: the fault
// catalogue (the real app against a hostile fixture server) and the crash
// test (the real binary killed with SIGKILL mid-scenario).
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/upstat/upstat/app"
	"github.com/upstat/upstat/config"
)

// client is the API client of every test here (never the internet).
var client = &http.Client{Timeout: 10 * time.Second}

// running is an upstat started in-process.
type running struct {
	base   string
	cancel context.CancelFunc
	done   chan error
}

// startApp runs app.New/Run on cfg and returns once it listens.
func startApp(t *testing.T, cfg *config.Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, app.Options{StaleCheck: 50 * time.Millisecond})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	addr, err := a.Listen()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &running{base: "http://" + addr.String(), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- a.Run(ctx) }()
	return r
}

// stop ends Run and waits for it (bounded).
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("app did not stop within 15s")
	}
}

// getJSON GETs base+path into v; errors are returned, not fatal, so that
// callers polling for a condition can use it.
func getJSON(base, path string, v any) error {
	resp, err := client.Get(base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

type vendorJSON struct {
	Status          string     `json:"status"`
	Stale           bool       `json:"stale"`
	LastError       string     `json:"last_error"`
	LastCheckedAt   *time.Time `json:"last_checked_at"`
	LastSuccessAt   *time.Time `json:"last_success_at"`
	ActiveIncidents int        `json:"active_incidents"`
	Components      []struct {
		Name, Group, Status string
	} `json:"components"`
}

type incidentJSON struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"`
	Kind       string     `json:"kind"`
	StartedAt  time.Time  `json:"started_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	ClosedBy   string     `json:"closed_by"`
	Updates    []struct {
		Status string `json:"status"`
		Body   string `json:"body"`
	} `json:"updates"`
}

func (r *running) vendor(t *testing.T, id string) vendorJSON {
	t.Helper()
	var v vendorJSON
	if err := getJSON(r.base, "/api/v1/vendors/"+id, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// incidents lists every incident of a vendor (resolved too).
func (r *running) incidents(t *testing.T, vendor string) []incidentJSON {
	t.Helper()
	var list struct {
		Incidents []incidentJSON `json:"incidents"`
	}
	if err := getJSON(r.base, "/api/v1/incidents?state=all&limit=500&vendor="+url.QueryEscape(vendor), &list); err != nil {
		t.Fatal(err)
	}
	return list.Incidents
}

// waitFor polls cond every 20ms until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
