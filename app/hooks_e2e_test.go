package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/upstat/upstat/config"
)

const acmeHookSecret = "acme-webhook-secret-0123456789"

// hookHarness is the e2e harness with a webhook secret on acme's source
// and an hour between polls after the first: only a webhook (or its
// confirming poll) can move acme's data within a test.
func hookHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.cfg = func() *config.Config {
		cfg := h.config()
		cfg.Vendors[0].Sources[0].WebhookSecret = acmeHookSecret
		cfg.Vendors[0].Sources[0].Interval = time.Hour
		return cfg
	}
	return h
}

// componentUpdate is a Statuspage component_update delivery for acme's API.
func componentUpdate(status string, at time.Time) string {
	return fmt.Sprintf(`{"meta":{"unsubscribe":"https://status.acme.test/u","documentation":"https://doers.statuspage.io/customer-notifications/webhooks/"},
"page":{"id":"acmepage0001","status_indicator":"major","status_description":"Partial System Outage"},
"component_update":{"created_at":%q,"new_status":%q,"old_status":"operational","id":"cu-%d","component_id":"api"},
"component":{"created_at":"2025-01-01T00:00:00Z","id":"api","name":"API","status":%q}}`,
		at.UTC().Format(time.RFC3339Nano), status, at.UnixNano(), status)
}

// deliver posts a webhook to path and returns the status and body.
func (h *harness) deliver(path, body string) (int, string) {
	h.t.Helper()
	resp, err := http.Post(h.base+path, "application/json", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *harness) componentStatus(vendor, name string) string {
	for _, c := range h.vendor(vendor).Components {
		if c.Name == name {
			return c.Status
		}
	}
	return ""
}

// TestWebhookEndToEnd: a Statuspage component_update applies at once
// (acme is not due a poll for an hour), triggers a confirming poll, and a
// second identical delivery changes nothing; a wrong secret and an
// unknown vendor are refused and store nothing.
func TestWebhookEndToEnd(t *testing.T) {
	h := hookHarness(t)
	h.start()
	defer h.stop()
	h.waitFor("acme's first poll", func() bool { return h.componentStatus("acme", "API") == "operational" })
	polls := h.sim.Hits("acme", "summary.json")

	must(t, h.sim.SetComponent("acme", "api", "major_outage"))
	body := componentUpdate("major_outage", time.Now())
	if code, ans := h.deliver("/api/v1/hooks/acme/"+acmeHookSecret, body); code != 200 || !strings.Contains(ans, `"changed":true`) {
		t.Fatalf("delivery = %d %s, want 200 and a change", code, ans)
	}
	// At once: read right after the answer, no waiting.
	if got := h.componentStatus("acme", "API"); got != "major_outage" {
		t.Fatalf("API = %s right after the delivery, want major_outage", got)
	}
	h.waitFor("the confirming poll", func() bool { return h.sim.Hits("acme", "summary.json") > polls })
	n := len(h.events())

	if code, ans := h.deliver("/api/v1/hooks/acme/"+acmeHookSecret, body); code != 200 || !strings.Contains(ans, `"changed":false`) {
		t.Fatalf("second delivery = %d %s, want 200 and no change", code, ans)
	}
	if code, _ := h.deliver("/api/v1/hooks/acme/wrong-secret-0123456789", componentUpdate("operational", time.Now())); code != 401 {
		t.Fatalf("wrong secret = %d, want 401", code)
	}
	if code, _ := h.deliver("/api/v1/hooks/other/"+acmeHookSecret, componentUpdate("operational", time.Now())); code != 404 {
		t.Fatalf("vendor without a webhook = %d, want 404", code)
	}
	if got := len(h.events()); got != n {
		t.Fatalf("%d events after the repeat and the refused deliveries, want %d", got, n)
	}
	if got := h.componentStatus("acme", "API"); got != "major_outage" {
		t.Fatalf("API = %s after refused deliveries, want major_outage", got)
	}
}

// TestWebhookDetectionLatency: from a delivery's arrival to its event on
// the live stream, p99 ≤ 1 s over 200 deliveries.
func TestWebhookDetectionLatency(t *testing.T) {
	lat := webhookLatencies(t, 200)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("webhook arrival → event: p50 %s, p99 %s, max %s over %d deliveries", p50, p99, lat[len(lat)-1], len(lat))
	if p99 > time.Second {
		t.Fatalf("p99 %s, want ≤ 1s", p99)
	}
}

// webhookLatencies delivers n component changes to a running app and
// returns, sorted, the time from sending each to reading its
// component.status_changed event on /api/v1/events (SSE).
func webhookLatencies(t *testing.T, n int) []time.Duration {
	h := hookHarness(t)
	h.start()
	defer h.stop()
	h.waitFor("acme's first poll", func() bool { return h.componentStatus("acme", "API") == "operational" })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/api/v1/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	changes := make(chan time.Time, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			var ev eventJSON
			if ok && json.Unmarshal([]byte(data), &ev) == nil && ev.Type == "component.status_changed" && ev.Vendor == "acme" {
				changes <- time.Now()
			}
		}
		close(changes)
	}()

	out := make([]time.Duration, 0, n)
	for i := range n {
		status := "major_outage"
		if i%2 == 1 {
			status = "operational"
		}
		// The page says so too, so the confirming poll agrees.
		must(t, h.sim.SetComponent("acme", "api", status))
		sent := time.Now()
		if code, ans := h.deliver("/api/v1/hooks/acme/"+acmeHookSecret, componentUpdate(status, sent)); code != 200 {
			t.Fatalf("delivery %d = %d %s", i, code, ans)
		}
		select {
		case got, ok := <-changes:
			if !ok {
				t.Fatalf("event stream ended at delivery %d", i)
			}
			out = append(out, got.Sub(sent))
		case <-time.After(10 * time.Second):
			t.Fatalf("no event for delivery %d within 10s", i)
		}
	}
	slices.Sort(out)
	return out
}

// TestMaintenanceCalendarEndToEnd: the fixture page's maintenances are on
// the calendar, which an iCalendar parser reads.
func TestMaintenanceCalendarEndToEnd(t *testing.T) {
	h := newHarness(t)
	from := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	must(t, h.sim.ScheduleMaintenance("acme", "mx1", "Compute host upgrade", from, from.Add(2*time.Hour), "vm"))
	h.start()
	defer h.stop()
	var cal *ics.Calendar
	h.waitFor("the maintenance on the calendar", func() bool {
		resp, err := http.Get(h.base + "/api/v1/maintenance.ics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		cal, err = ics.ParseCalendar(resp.Body)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		return len(cal.Events()) == 1
	})
	ev := cal.Events()[0]
	start, err := ev.GetStartAt()
	if ev.Id() != "acme:mx1@upstat" || err != nil || !start.Equal(from) ||
		ev.GetProperty(ics.ComponentPropertySummary).Value != "Acme Cloud: Compute host upgrade" {
		t.Fatalf("event %s at %v (%v): %+v", ev.Id(), start, err, ev.Properties)
	}
}
