package auto_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/sources"
	_ "github.com/upstat/upstat/sources/all"
	"github.com/upstat/upstat/sources/auto"
)

func fetcher() *sources.Fetcher {
	return sources.NewFetcher(sources.FetchOptions{Retries: -1, Timeout: 5 * time.Second})
}

func simulator(t *testing.T) *fixtures.Server {
	t.Helper()
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

// Every platform the fixture server speaks is detected from the page's
// address alone, as the kind of that name, and the detected kind reads
// the page.
func TestDetectsEveryFormat(t *testing.T) {
	sim := simulator(t)
	for _, f := range fixtures.Formats() {
		sim.AddVendor(f, "On "+f, fixtures.Component{ID: "api", Name: "API"}, fixtures.Component{ID: "db", Name: "DB", Group: "Storage"})
		if err := sim.SetFormat(f, f); err != nil {
			t.Fatal(err)
		}
		if err := sim.OpenIncident(f, "i1", "DB errors", "major", fixtures.Partial, "Investigating.", "db"); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range fixtures.Formats() {
		t.Run(f, func(t *testing.T) {
			ev, tried, err := sources.Detect(context.Background(), sources.NewProber(fetcher()), sim.URL(f)+"/")
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if ev.Kind != f || ev.Why == "" {
				t.Fatalf("detected %+v (tried %+v), want kind %s", ev, tried, f)
			}
			if !strings.HasPrefix(ev.URL, sim.URL(f)) {
				t.Errorf("reads %s, not the vendor's page %s", ev.URL, sim.URL(f))
			}
			src, err := auto.New(sources.Spec{Kind: "auto", URL: sim.URL(f), Vendor: f}, sources.Env{Fetcher: fetcher()})
			if err != nil {
				t.Fatal(err)
			}
			snap, err := src.Poll(context.Background())
			if err != nil {
				t.Fatalf("Poll: %v", err)
			}
			// Azure titles an item by its service and region.
			if len(snap.Incidents) == 0 || (snap.Incidents[0].Title != "DB errors" && snap.Incidents[0].Title != "DB - Storage") {
				t.Errorf("snapshot incidents = %+v", snap.Incidents)
			}
		})
	}
}

// The incident.io shim at /api/v2/summary.json is not taken for
// Statuspage: the statuspage probe declines it and says why.
func TestShimIsNotStatuspage(t *testing.T) {
	sim := simulator(t)
	sim.AddVendor("shim", "Shim", fixtures.Component{ID: "api", Name: "API"})
	if err := sim.SetFormat("shim", "incidentio"); err != nil {
		t.Fatal(err)
	}
	ev, tried, err := sources.Detect(context.Background(), sources.NewProber(fetcher()), sim.URL("shim"))
	if err != nil || ev.Kind != "incidentio" {
		t.Fatalf("detected %+v, %v", ev, err)
	}
	if tried[0].Kind != "statuspage" || !strings.Contains(tried[0].Why, "shim") {
		t.Errorf("statuspage probe said %+v, want it to name the shim", tried[0])
	}
}

// Feeds (the address itself or the page's /history.atom) and HTML pages a
// preset reads are detected after the platform APIs.
func TestDetectsFeedsAndHTML(t *testing.T) {
	pages, err := fixtures.StartPages("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pages.Close() })
	for _, c := range []struct{ page, kind, preset string }{
		{fixtures.PageAtom, "feed", ""}, {fixtures.PageRSS, "feed", ""}, {fixtures.PageHTML, "html", "emoji-headings"},
	} {
		src, err := pages.Add("p-"+c.page, "Page", c.page)
		if err != nil {
			t.Fatal(err)
		}
		page := strings.TrimSuffix(strings.TrimSuffix(src.URL, "/history.atom"), "/feed.rss")
		ev, _, err := sources.Detect(context.Background(), sources.NewProber(fetcher()), page)
		if err != nil || ev.Kind != c.kind {
			t.Errorf("%s: detected %+v, %v; want %s", c.page, ev, err, c.kind)
			continue
		}
		if c.preset != "" && ev.Options["preset"] != c.preset {
			t.Errorf("%s: options %v, want preset %s", c.page, ev.Options, c.preset)
		}
	}
}

// A page that answers nothing known is an error naming what each probe
// saw, and the auto source fails its poll with it (nothing is shown as
// operational).
func TestUnknownPageFails(t *testing.T) {
	sim := simulator(t)
	src, err := auto.New(sources.Spec{Kind: "auto", URL: sim.URL("nobody")}, sources.Env{Fetcher: fetcher()})
	if err != nil {
		t.Fatal(err)
	}
	if snap, err := src.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "no known status page format") ||
		!strings.Contains(err.Error(), "statuspage: GET") {
		t.Fatalf("Poll = %+v, %v", snap, err)
	}
	// The error becomes the source's last_error: no credentials in it.
	secret := strings.Replace(sim.URL("nobody"), "http://", "http://probe:s3cretpw@", 1) + "?token=t0ken-value"
	src, err = auto.New(sources.Spec{Kind: "auto", URL: secret}, sources.Env{Fetcher: fetcher()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Poll(context.Background()); err == nil || strings.Contains(err.Error(), "s3cretpw") || strings.Contains(err.Error(), "t0ken-value") {
		t.Errorf("Poll error shows credentials: %v", err)
	}
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A page that moves from Statuspage to Instatus fails as Statuspage
// (404) redetect_after times, is detected again, logged as a platform
// change, and read as Instatus from then on; it is not probed again
// while it works.
func TestPageMovesToAnotherPlatform(t *testing.T) {
	sim := simulator(t)
	sim.AddVendor("mover", "Mover", fixtures.Component{ID: "api", Name: "API"})
	var logs logBuffer
	env := sources.Env{Fetcher: fetcher(), Log: slog.New(slog.NewTextHandler(&logs, nil))}
	src, err := auto.New(sources.Spec{Kind: "auto", URL: sim.URL("mover"), Vendor: "mover"}, env)
	if err != nil {
		t.Fatal(err)
	}
	poll := func() (*upstat.Snapshot, error) { return src.Poll(context.Background()) }
	for i := 0; i < 3; i++ {
		if _, err := poll(); err != nil {
			t.Fatalf("poll %d as statuspage: %v", i, err)
		}
	}
	if got := src.Detected().Kind; got != "statuspage" {
		t.Fatalf("detected %q, want statuspage", got)
	}
	if n := sim.Hits("mover", "ping"); n != 0 {
		t.Errorf("probes after statuspage matched: cachet ping fetched %d times", n)
	}
	probes := sim.Hits("mover", "summary.json")
	if probes != 4 { // one probe, three polls
		t.Errorf("summary.json fetched %d times, want 4 (detected once, then polled)", probes)
	}
	if err := sim.SetFormat("mover", "instatus"); err != nil {
		t.Fatal(err)
	}
	if err := sim.OpenIncident("mover", "m1", "API down", "critical", fixtures.Major, "The API is down.", "api"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < auto.DefaultRedetectAfter; i++ {
		_, err := poll()
		if err == nil || !strings.Contains(err.Error(), "auto→statuspage") || !strings.Contains(err.Error(), "404") {
			t.Fatalf("poll %d after the move: %v, want a 404 as statuspage", i, err)
		}
	}
	snap, err := poll()
	if err != nil {
		t.Fatalf("poll that should detect again: %v", err)
	}
	if got := src.Detected().Kind; got != "instatus" {
		t.Fatalf("detected %q after the move, want instatus", got)
	}
	if len(snap.Incidents) != 1 || snap.Incidents[0].Severity != upstat.MajorOutage {
		t.Errorf("snapshot after the move: %+v", snap.Incidents)
	}
	if !strings.Contains(logs.String(), "platform changed from statuspage to instatus") {
		t.Errorf("log does not name the change:\n%s", logs.String())
	}
}

// yamlOptions decodes a source entry's options strictly, as config does.
func yamlOptions(doc string) func(v any) error {
	return func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(doc))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}

func TestOptions(t *testing.T) {
	if _, err := auto.New(sources.Spec{Kind: "auto"}, sources.Env{}); err == nil || !strings.Contains(err.Error(), "url") {
		t.Errorf("no url: %v", err)
	}
	for doc, want := range map[string]string{"redetect_after: -1": "redetect_after", "preset: x": "preset"} {
		_, err := auto.New(sources.Spec{Kind: "auto", URL: "https://status.example.com", Decode: yamlOptions(doc)}, sources.Env{})
		if !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", doc, err)
		}
	}
}

// redetect_after: 1 detects again at the first wrong-format failure.
func TestRedetectAfterOne(t *testing.T) {
	sim := simulator(t)
	sim.AddVendor("mover", "Mover", fixtures.Component{ID: "api", Name: "API"})
	if err := sim.SetFormat("mover", "cachet"); err != nil {
		t.Fatal(err)
	}
	src, err := auto.New(sources.Spec{Kind: "auto", URL: sim.URL("mover"), Decode: yamlOptions("redetect_after: 1")}, sources.Env{Fetcher: fetcher()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Poll(context.Background()); err != nil || src.Detected().Kind != "cachet" {
		t.Fatalf("first poll: %v, detected %q", err, src.Detected().Kind)
	}
	if err := sim.SetFormat("mover", "betterstack"); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Poll(context.Background()); err != nil || src.Detected().Kind != "betterstack" {
		t.Fatalf("poll after the move: %v, detected %q", err, src.Detected().Kind)
	}
}

// A page that is down (503) is not a page that moved: it is never
// detected again, however often it fails.
func TestOutageIsNotAMove(t *testing.T) {
	sim := simulator(t)
	sim.AddVendor("down", "Down", fixtures.Component{ID: "api", Name: "API"})
	src, err := auto.New(sources.Spec{Kind: "auto", URL: sim.URL("down")}, sources.Env{Fetcher: fetcher()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFault("down", fixtures.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2*auto.DefaultRedetectAfter; i++ {
		if _, err := src.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "auto→statuspage") {
			t.Fatalf("poll %d: %v", i, err)
		}
	}
	if n := sim.Hits("down", "ping"); n != 0 {
		t.Errorf("detected again during an outage: cachet probe ran %d times", n)
	}
}

// roundTripFunc is an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The big clouds are recognised by their status hosts without fetching
// anything (every fetch here fails: no test touches the internet).
func TestCloudsByHost(t *testing.T) {
	var fetched []string
	offline := sources.NewFetcher(sources.FetchOptions{Retries: -1, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		fetched = append(fetched, r.URL.String())
		return nil, errors.New("offline")
	})})
	for page, want := range map[string]string{
		"https://status.cloud.google.com":                     "gcp",
		"https://www.google.com/appsstatus/dashboard":         "gcp",
		"https://health.aws.amazon.com/health/status":         "aws",
		"https://status.aws.amazon.com/rss/ec2-us-east-1.rss": "aws",
		"https://azure.status.microsoft/en-us/status":         "azure",
		"https://slack-status.com":                            "slack",
		"https://status.heroku.com":                           "heroku",
	} {
		ev, _, err := sources.Detect(context.Background(), sources.NewProber(offline), page)
		if err != nil || ev.Kind != want {
			t.Errorf("%s: detected %+v, %v; want %s", page, ev, err, want)
		}
		if _, err := sources.New(sources.Spec{Kind: ev.Kind, URL: ev.URL}, sources.Env{Fetcher: offline}); err != nil {
			t.Errorf("%s: %s cannot read %s: %v", page, ev.Kind, ev.URL, err)
		}
	}
	if len(fetched) == 0 {
		t.Error("the platform probes before the clouds fetched nothing: the test proves nothing")
	}
}
