package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"go.uber.org/goleak"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

// Timing of the catalogue run: fast polls, a short stale window.
const (
	pollEvery  = 150 * time.Millisecond
	pollTimout = time.Second
	staleAfter = 1500 * time.Millisecond
	// caseWithin bounds every wait of a case.
	caseWithin = 20 * time.Second
	// maxBody is the body cap (poll.max_body_bytes); real summaries of
	// large vendors are a few hundred KiB.
	maxBody = 2 << 20
)

// faultCase is one hostile behaviour of a vendor. Every case's vendor
// first serves good data (a degraded component, one open incident), then
// misbehaves.
type faultCase struct {
	name  string
	fault fixtures.Fault
	// relay routes the vendor through a relay whose blackhole is switched
	// on instead of a Fault (connect timeouts).
	relay bool
	// userinfo, when set, is written into the source URL ("user:pass"):
	// credentials the vendor gets and nothing upstat shows may contain.
	userinfo string
	// wantErr is what last_error must contain; "" means the answer is
	// accepted as data (the vendor stays fresh).
	wantErr string
	// realBody serves the vendor's real summary, captured before the
	// fault, as fault.Body (with fault.ContentType).
	realBody bool
	// check, if set, asserts more once the fault has taken effect.
	check func(t *testing.T, c *catalogue, k caseRun)
}

// caseRun is what a check knows of its case.
type caseRun struct {
	vendor  string
	faultAt time.Time
	// hitsBefore is the vendor's summary.json request count at the fault.
	hitsBefore int
}

// catalogue is the shared run: one app, one vendor per fault.
type catalogue struct {
	sim   *fixtures.Server
	relay *fixtures.Relay
	app   *running
}

func faultCases() []faultCase {
	return []faultCase{
		{name: "http-500", fault: fixtures.Fault{Status: 500}, wantErr: "http 500"},
		{name: "http-502", fault: fixtures.Fault{Status: 502}, wantErr: "http 502"},
		{name: "http-503", fault: fixtures.Fault{Status: 503}, wantErr: "http 503"},
		{name: "http-429-retry-after", fault: fixtures.Fault{Status: 429, RetryAfter: "30"}, wantErr: "http 429", check: notHammered},
		{name: "connect-timeout", relay: true, wantErr: "timeout"},
		{name: "accepts-never-answers", fault: fixtures.Fault{Hang: true}, wantErr: "timeout"},
		{name: "trickle-1-byte-per-second", fault: fixtures.Fault{Trickle: time.Second, Mutate: replace("errors", "errors!")}, wantErr: "timeout"},
		{name: "endless-body", fault: fixtures.Fault{Endless: true}, wantErr: "body too large"},
		{name: "gzip-bomb", fault: fixtures.Fault{GzipBomb: 16 << 20}, wantErr: "body too large"},
		{name: "empty-200", fault: fixtures.Fault{Mutate: func(string, []byte) []byte { return nil }}, wantErr: "empty body"},
		{name: "truncated-json", fault: fixtures.Fault{Mutate: func(_ string, b []byte) []byte { return b[:len(b)/2] }}, wantErr: "unexpected end of JSON input"},
		{name: "number-for-string", fault: fixtures.Fault{Mutate: replace(`"name":"API"`, `"name":42`)}, wantErr: "cannot unmarshal number"},
		{name: "array-for-document", fault: fixtures.Fault{Body: `[1,2,3]`, ContentType: "application/json"}, wantErr: "decode summary"},
		{name: "unrelated-json", fault: fixtures.Fault{Body: `{"error":"not found"}`, ContentType: "application/json"}, wantErr: "not a Statuspage document"},
		{name: "null-lists", fault: fixtures.Fault{Mutate: nullLists}, wantErr: "", check: keptComponents},
		{name: "50000-components", fault: fixtures.Fault{Body: manyComponents(50000), ContentType: "application/json"}, wantErr: "body too large"},
		{name: "bot-challenge-as-json", fault: fixtures.Fault{Body: botChallenge, ContentType: "application/json"}, wantErr: "expected JSON"},
		{name: "invalid-utf8", fault: fixtures.Fault{Mutate: replace(`"name":"API"`, "\"name\":\"API \xff\xfe\"")}, check: replacementChar},
		{name: "utf16-with-bom", fault: fixtures.Fault{Mutate: utf16LE}, check: renamedComponent("API v2")},
		{name: "missing-content-type", realBody: true, fault: fixtures.Fault{ContentType: ""}, check: keptComponents},
		{name: "text-plain-content-type", realBody: true, fault: fixtures.Fault{ContentType: "text/plain"}, check: keptComponents},
		{name: "json-as-text-html", realBody: true, fault: fixtures.Fault{ContentType: "text/html; charset=utf-8"}, wantErr: "expected JSON, got content type"},
		{name: "redirect-loop", fault: fixtures.Fault{Redirect: "loop"}, wantErr: "redirects"},
		{name: "redirect-to-metadata-host", fault: fixtures.Fault{Redirect: "http://169.254.169.254/latest/meta-data/"}, wantErr: "refused: private/link-local address"},
		{name: "same-incident-twice", fault: fixtures.Fault{Mutate: duplicateIncident}, check: oneIncident},
		{name: "far-future-maintenance", fault: fixtures.Fault{Mutate: farFutureMaintenance}, check: futureNotActive},
		{name: "far-past-dates", fault: fixtures.Fault{Mutate: farPastIncident}, wantErr: "out of range"},
		{name: "unrecognised-component-status", fault: fixtures.Fault{Mutate: replace(`"status":"degraded_performance"`, `"status":"MAJOROUTAGE"`)}, check: unrecognisedWarning},
		// net/http quotes the URL, user name included, in a timeout error.
		{name: "credentials-in-url", userinfo: "e2euser:E2EPASSWORD", fault: fixtures.Fault{Hang: true}, wantErr: "timeout",
			check: credentialsHidden("e2euser", "E2EPASSWORD")},
		{name: "incident-deleted", fault: fixtures.Fault{Mutate: dropIncidents}, check: closedByUpstat},
		{name: "incident-ids-change-every-poll", fault: fixtures.Fault{Mutate: churningIDs()}, wantErr: "limits.max_active_incidents"},
	}
}

func TestFaultCatalogue(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	relay, err := fixtures.StartRelay(strings.TrimPrefix(sim.Addr(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()

	cases := faultCases()
	cfg := &config.Config{
		Listen:  "127.0.0.1:0",
		Storage: "sqlite:" + t.TempDir() + "/faults.db",
		Poll: config.Poll{Interval: time.Second, Timeout: pollTimout, StaleAfter: staleAfter, AllowPrivateNetworks: true,
			MaxBodyBytes: maxBody},
	}
	addVendor := func(id, kind, url string) {
		cfg.Vendors = append(cfg.Vendors, config.Vendor{ID: id, Name: id, Sources: []config.Source{{Kind: kind, URL: url}}})
	}
	addGood(sim, "healthy")
	addVendor("healthy", "statuspage", sim.URL("healthy"))
	for _, c := range cases {
		addGood(sim, c.name)
		u := sim.URL(c.name)
		if c.relay {
			u = relay.Addr() + "/v/" + c.name
		}
		if c.userinfo != "" {
			u = strings.Replace(u, "://", "://"+c.userinfo+"@", 1)
		}
		addVendor(c.name, "statuspage", u)
	}
	sim.AddVendor("emptied-feed", "Emptied feed")
	must(t, sim.SetFault("emptied-feed", fixtures.Fault{Body: atomFeed(time.Now(), "Database errors", "Login failures"), ContentType: "application/atom+xml"}))
	addVendor("emptied-feed", "feed", sim.URL("emptied-feed")+"/history.atom")
	if err := cfg.Complete(); err != nil {
		t.Fatal(err)
	}
	// Faster than a config may ask for, to keep the run short.
	for i := range cfg.Vendors {
		cfg.Vendors[i].Sources[0].Interval = pollEvery
	}
	c := &catalogue{sim: sim, relay: relay, app: startApp(t, cfg)}
	stopped := false
	defer func() {
		if !stopped {
			c.app.stop(t)
		}
	}()

	c.waitVendor(t, "healthy", "the healthy vendor's first poll", func(v vendorJSON) bool { return v.LastSuccessAt != nil })
	t.Run("faults", func(t *testing.T) {
		for _, fc := range cases {
			t.Run(fc.name, func(t *testing.T) {
				t.Parallel()
				c.run(t, fc)
			})
		}
		t.Run("emptied-feed", func(t *testing.T) {
			t.Parallel()
			c.emptiedFeed(t)
		})
	})
	c.app.stop(t)
	stopped = true
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("heap in use after the catalogue: %d MiB", ms.HeapInuse>>20)
	if ms.HeapInuse > 200<<20 {
		t.Errorf("heap in use %d MiB after the catalogue, want < 200 MiB", ms.HeapInuse>>20)
	}
}

// addGood adds a vendor with a degraded component and an open incident.
func addGood(sim *fixtures.Server, id string) {
	sim.AddVendor(id, id, fixtures.Component{ID: "api", Name: "API"}, fixtures.Component{ID: "web", Name: "Website"})
	_ = sim.SetComponent(id, "api", fixtures.Degraded)
	_ = sim.OpenIncident(id, "inc1", "Elevated API errors", "major", "", "We are investigating.", "api")
}

// run drives one statuspage fault case.
func (c *catalogue) run(t *testing.T, fc faultCase) {
	id := fc.name
	var good vendorJSON
	waitFor(t, caseWithin, "good data first", func() bool {
		good = c.app.vendor(t, id)
		return good.LastSuccessAt != nil && good.ActiveIncidents == 1 && len(good.Components) == 2 && good.LastError == ""
	})
	if good.Status != "partial_outage" {
		t.Fatalf("good status %q, want partial_outage (degraded component, major incident)", good.Status)
	}
	healthyBefore := c.app.vendor(t, "healthy").LastSuccessAt
	if fc.realBody {
		real, err := fetchRaw(c.sim.URL(id) + "/api/v2/summary.json")
		must(t, err)
		// Changed a little: an identical body is "unchanged" and never
		// looked at again, whatever its content type.
		fc.fault.Body = strings.Replace(string(real), "We are investigating.", "We are still investigating.", 1)
	}
	k := caseRun{vendor: id, hitsBefore: c.sim.Hits(id, "summary.json"), faultAt: time.Now()}
	faultAt := k.faultAt
	if fc.relay {
		must(t, c.relay.SetBlackhole(true))
	} else {
		must(t, c.sim.SetFault(id, fc.fault))
	}
	if fc.wantErr == "" {
		v := c.waitVendor(t, id, "a fresh poll of the altered page", func(v vendorJSON) bool {
			return v.LastSuccessAt != nil && v.LastSuccessAt.After(faultAt.Add(pollEvery))
		})
		if v.Stale || v.LastError != "" {
			t.Errorf("accepted page: stale=%v last_error=%q", v.Stale, v.LastError)
		}
		t.Logf("accepted: status %s, components %v", v.Status, v.Components)
	} else {
		v := c.waitVendor(t, id, fmt.Sprintf("last_error naming %q", fc.wantErr), func(v vendorJSON) bool {
			return strings.Contains(v.LastError, fc.wantErr)
		})
		t.Logf("last_error: %s", v.LastError)
		waitFor(t, caseWithin, "stale", func() bool { v = c.app.vendor(t, id); return v.Stale })
		if since := time.Since(faultAt); since < staleAfter {
			t.Errorf("stale %s after the fault, before the %s window", since, staleAfter)
		}
		if v.Status != good.Status || v.Status == "operational" {
			t.Errorf("stale status %q, want the last known %q", v.Status, good.Status)
		}
		if len(v.Components) != 2 || v.ActiveIncidents != 1 {
			t.Errorf("stale vendor lost its data: %d components, %d active incidents", len(v.Components), v.ActiveIncidents)
		}
	}
	if fc.check != nil {
		fc.check(t, c, k)
	}
	waitFor(t, caseWithin, "the healthy vendor polled meanwhile", func() bool {
		h := c.app.vendor(t, "healthy")
		return !h.Stale && h.LastSuccessAt != nil && healthyBefore != nil && h.LastSuccessAt.After(*healthyBefore) &&
			time.Since(*h.LastSuccessAt) < 2*time.Second
	})
}

// waitVendor polls a vendor until cond holds, failing with its last state.
func (c *catalogue) waitVendor(t *testing.T, id, what string, cond func(vendorJSON) bool) vendorJSON {
	t.Helper()
	deadline := time.Now().Add(caseWithin)
	for {
		v := c.app.vendor(t, id)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; vendor now: %+v", caseWithin, what, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// notHammered: after a 429 asking for 30s, the vendor is asked again at
// most once more (a poll in flight) while the vendor goes stale.
func notHammered(t *testing.T, c *catalogue, k caseRun) {
	n := c.sim.Hits(k.vendor, "summary.json") - k.hitsBefore
	t.Logf("summary requests in the %s after a 429 with Retry-After: 30: %d", time.Since(k.faultAt).Round(time.Millisecond), n)
	if n > 2 {
		t.Errorf("%d requests during the Retry-After window, want at most 2", n)
	}
}

func keptComponents(t *testing.T, c *catalogue, k caseRun) {
	v := c.app.vendor(t, k.vendor)
	if len(v.Components) != 2 || v.Status == "operational" {
		t.Errorf("components %v status %q: the last known picture was lost", v.Components, v.Status)
	}
}

func replacementChar(t *testing.T, c *catalogue, k caseRun) {
	v := c.app.vendor(t, k.vendor)
	for _, comp := range v.Components {
		if strings.HasPrefix(comp.Name, "API") && comp.Name != "API \uFFFD\uFFFD" {
			t.Errorf("component name %q, want invalid bytes replaced by U+FFFD", comp.Name)
		}
	}
}

func renamedComponent(name string) func(*testing.T, *catalogue, caseRun) {
	return func(t *testing.T, c *catalogue, k caseRun) {
		waitFor(t, caseWithin, "the UTF-16 page decoded", func() bool {
			for _, comp := range c.app.vendor(t, k.vendor).Components {
				if comp.Name == name {
					return true
				}
			}
			return false
		})
	}
}

func oneIncident(t *testing.T, c *catalogue, k caseRun) {
	n := 0
	for _, in := range c.app.incidents(t, k.vendor) {
		if in.ID == k.vendor+":inc1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("incident listed %d times, want once", n)
	}
}

func futureNotActive(t *testing.T, c *catalogue, k caseRun) {
	v := c.app.vendor(t, k.vendor)
	if v.ActiveIncidents != 1 || v.Status != "partial_outage" {
		t.Errorf("a maintenance scheduled in 2999 counts: %d active, status %q", v.ActiveIncidents, v.Status)
	}
}

// emptiedFeed: a feed whose entries all vanish resolves and deletes
// nothing by itself.
func (c *catalogue) emptiedFeed(t *testing.T) {
	const id = "emptied-feed"
	waitFor(t, caseWithin, "feed incidents", func() bool { return len(c.app.incidents(t, id)) == 2 })
	must(t, c.sim.SetFault(id, fixtures.Fault{Body: atomFeed(time.Now()), ContentType: "application/atom+xml"}))
	emptiedAt := time.Now()
	waitFor(t, caseWithin, "a poll of the empty feed", func() bool {
		v := c.app.vendor(t, id)
		return v.LastSuccessAt != nil && v.LastSuccessAt.After(emptiedAt.Add(pollEvery)) && v.LastError == ""
	})
	list := c.app.incidents(t, id)
	if len(list) != 2 {
		t.Fatalf("after the feed emptied: %d incidents, want the 2 kept", len(list))
	}
	for _, in := range list {
		if in.ResolvedAt != nil || in.Status == "resolved" {
			t.Errorf("incident %s resolved by an emptied feed: %+v", in.ID, in)
		}
	}
	if v := c.app.vendor(t, id); v.ActiveIncidents != 2 {
		t.Errorf("active incidents %d after the feed emptied, want 2", v.ActiveIncidents)
	}
}

const botChallenge = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>` +
	`<body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>`

// fetchRaw GETs a fixture page's bytes.
// credentialsHidden: neither the API nor the dashboard shows the source
// URL's credentials, in its url or in the last_error that quotes it.
func credentialsHidden(secrets ...string) func(*testing.T, *catalogue, caseRun) {
	return func(t *testing.T, c *catalogue, k caseRun) {
		for _, path := range []string{"/api/v1/vendors/" + k.vendor, "/api/v1/summary", "/vendors/" + k.vendor, "/"} {
			body, err := fetchRaw(c.app.base + path)
			must(t, err)
			if !strings.Contains(string(body), k.vendor) {
				t.Errorf("%s does not show the vendor at all", path)
			}
			for _, s := range secrets {
				if strings.Contains(string(body), s) {
					t.Errorf("%s shows the source credential %q", path, s)
				}
			}
		}
	}
}

func fetchRaw(u string) ([]byte, error) {
	resp, err := client.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func replace(old, new string) func(string, []byte) []byte {
	return func(_ string, b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
}

// editJSON decodes a document, lets fn edit it and re-encodes it.
func editJSON(b []byte, fn func(doc map[string]any)) []byte {
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return b
	}
	fn(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		return b
	}
	return out
}

func nullLists(_ string, b []byte) []byte {
	return editJSON(b, func(doc map[string]any) {
		for _, k := range []string{"components", "incidents", "scheduled_maintenances"} {
			if _, ok := doc[k]; ok {
				doc[k] = nil
			}
		}
	})
}

func duplicateIncident(_ string, b []byte) []byte {
	return editJSON(b, func(doc map[string]any) {
		if list, ok := doc["incidents"].([]any); ok && len(list) > 0 {
			doc["incidents"] = append(list, list[0])
		}
	})
}

// dropIncidents deletes every incident from the summary and from the
// history (incidents.json): the vendor deleted them.
func dropIncidents(_ string, b []byte) []byte {
	return editJSON(b, func(doc map[string]any) {
		if _, ok := doc["incidents"]; ok {
			doc["incidents"] = []any{}
		}
	})
}

// churningIDs gives the open incident 250 copies under ids that change
// on every request, as a page whose incident ids are regenerated.
func churningIDs() func(string, []byte) []byte {
	var n atomic.Int64
	return func(_ string, b []byte) []byte {
		round := n.Add(1)
		return editJSON(b, func(doc map[string]any) {
			list, _ := doc["incidents"].([]any)
			if len(list) == 0 {
				return
			}
			first, _ := list[0].(map[string]any)
			for i := range 250 {
				c := maps.Clone(first)
				c["id"] = fmt.Sprintf("churn%d-%d", round, i)
				list = append(list, c)
			}
			doc["incidents"] = list
		})
	}
}

// closedByUpstat: a deleted incident is closed after 3 polls without it,
// closed_by upstat, with the final update; the vendor no longer counts it.
func closedByUpstat(t *testing.T, c *catalogue, k caseRun) {
	waitFor(t, caseWithin, "the deleted incident closed", func() bool {
		return c.app.vendor(t, k.vendor).ActiveIncidents == 0
	})
	var in incidentJSON
	must(t, getJSON(c.app.base, "/api/v1/incidents/"+k.vendor+":inc1", &in))
	if n := len(in.Updates); in.Status != "resolved" || in.ClosedBy != "upstat" || in.ResolvedAt == nil ||
		n == 0 || in.Updates[n-1].Body != "no longer listed by the vendor" {
		t.Errorf("deleted incident: status %s closed_by %q resolved_at %v updates %+v", in.Status, in.ClosedBy, in.ResolvedAt, in.Updates)
	}
}

// farPastIncident dates the open incident (and its updates) in 1901.
func farPastIncident(_ string, b []byte) []byte {
	return editJSON(b, func(doc map[string]any) {
		list, _ := doc["incidents"].([]any)
		for _, in := range list {
			m, _ := in.(map[string]any)
			for _, k := range []string{"created_at", "started_at", "updated_at"} {
				m[k] = "1901-01-01T00:00:00Z"
			}
			ups, _ := m["incident_updates"].([]any)
			for _, u := range ups {
				um, _ := u.(map[string]any)
				for _, k := range []string{"created_at", "display_at", "updated_at"} {
					um[k] = "1901-01-01T00:00:00Z"
				}
			}
		}
	})
}

func farFutureMaintenance(path string, b []byte) []byte {
	return editJSON(b, func(doc map[string]any) {
		if _, ok := doc["scheduled_maintenances"]; !ok {
			return
		}
		doc["scheduled_maintenances"] = []any{map[string]any{
			"id": "m-future", "name": "Far future upgrade", "status": "scheduled", "impact": "maintenance",
			"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
			"scheduled_for": "2999-01-01T00:00:00Z", "scheduled_until": "2999-01-01T04:00:00Z",
			"incident_updates": []any{}, "components": []any{},
		}}
	})
}

// manyComponents renders a summary with n components in the real shape
// (about 300 bytes each: 50,000 make some 15 MB).
func manyComponents(n int) string {
	var b strings.Builder
	b.WriteString(`{"page":{"id":"pg","name":"Huge","url":"https://huge.example.test","time_zone":"Etc/UTC","updated_at":"2026-01-01T00:00:00.000Z"},` +
		`"status":{"indicator":"none","description":"All Systems Operational"},"incidents":[],"scheduled_maintenances":[],"components":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"c%06d","name":"Component %d","status":"operational","created_at":"2026-01-01T00:00:00.000Z",`+
			`"updated_at":"2026-01-01T00:00:00.000Z","position":%d,"description":null,"showcase":false,"start_date":null,`+
			`"group_id":null,"page_id":"pg","group":false,"only_show_if_degraded":false}`, i, i, i)
	}
	b.WriteString("]}")
	return b.String()
}

// utf16LE re-encodes the document as UTF-16LE with a byte-order mark,
// renaming the API component so a decoded page is recognisable.
func utf16LE(_ string, b []byte) []byte {
	b = bytes.Replace(b, []byte(`"name":"API"`), []byte(`"name":"API v2"`), 1)
	units := utf16.Encode([]rune(string(b)))
	out := []byte{0xFF, 0xFE}
	for _, u := range units {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// atomFeed renders a Statuspage-style history feed with one open incident
// per title, updated at now.
func atomFeed(now time.Time, titles ...string) string {
	var b strings.Builder
	stamp := now.UTC().Format(time.RFC3339)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">
  <id>tag:status.example.test,2005:/history</id>
  <title>Example Status - Incident History</title>
  <updated>%s</updated>
`, stamp)
	small := fmt.Sprintf("%s &lt;var data-var='date'&gt;%d&lt;/var&gt;, &lt;var data-var='time'&gt;%s&lt;/var&gt; UTC",
		now.UTC().Format("Jan"), now.UTC().Day(), now.UTC().Format("15:04"))
	for i, title := range titles {
		fmt.Fprintf(&b, `  <entry>
    <id>tag:status.example.test,2005:Incident/%d</id>
    <published>%s</published>
    <updated>%s</updated>
    <link rel="alternate" type="text/html" href="https://status.example.test/incidents/i%d"/>
    <title>%s</title>
    <content type="html">&lt;p&gt;&lt;small&gt;%s&lt;/small&gt;&lt;br&gt;&lt;strong&gt;Investigating&lt;/strong&gt; - We are looking into %s.&lt;/p&gt;</content>
  </entry>
`, 1000+i, stamp, stamp, i, title, small, strings.ToLower(title))
	}
	b.WriteString("</feed>\n")
	return b.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
