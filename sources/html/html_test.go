package html

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const fixtures = "../../fixtures/html"

func golden(s *upstat.Snapshot) []byte { return goldentest.Marshal("", s) }

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// customSelectors is the worked example of the README.
func customSelectors() *Selectors {
	return &Selectors{
		Item:        "article.notice",
		Title:       ".notice-title",
		Time:        "time@datetime",
		Body:        ".notice-body",
		Status:      ".notice-state",
		SeverityMap: map[string]string{"sev-critical": "major_outage", "sev-minor": "degraded", "sev-maintenance": "maintenance"},
		Link:        "a.permalink",
		ID:          "@data-id",
		Components:  ".notice-services li",
	}
}

type parseCase struct {
	file, ctype string
	opts        Options
	url, now    string
}

func parseFixture(t testing.TB, tc parseCase) Result {
	t.Helper()
	cfg, err := tc.opts.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.URL = tc.url
	cfg.Now = mustTime(t, tc.now)
	res, err := Parse(readFixture(t, tc.file), tc.ctype, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var goldenCases = []parseCase{
	{"guidedtrack.html", "text/html; charset=utf-8", Options{Preset: PresetEmojiHeadings}, "https://status.guidedtrack.com/", "2023-07-10T12:30:00Z"},
	{"statuspage-incident.html", "text/html; charset=utf-8", Options{Preset: PresetStatuspage}, "https://status.example-llc.com/incidents/wz1lb0n8k2p4", "2019-06-01T00:00:00Z"},
	{"statuspage-home.html", "text/html; charset=utf-8", Options{Preset: PresetStatuspage}, "https://status.acme.example/", "2023-11-03T01:00:00Z"},
	{"thinklink-incident.html", "text/html", Options{Preset: PresetTimeline}, "https://pingoru.example/vendors/thinklink/incidents/tl-2022-04-01-degraded-performance", "2022-05-01T00:00:00Z"},
	{"custom-selectors.html", "text/html", Options{Selectors: customSelectors()}, "https://status.example-hosting.example/", "2024-03-14T12:00:00Z"},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			goldentest.Compare(t, goldentest.Path(fixtures, tc.file), golden(parseFixture(t, tc).Snapshot), *update)
		})
	}
}

func find(t *testing.T, incs []upstat.Incident, id string) upstat.Incident {
	t.Helper()
	for _, inc := range incs {
		if inc.ID == id {
			return inc
		}
	}
	t.Fatalf("no incident %q among %d", id, len(incs))
	return upstat.Incident{}
}

// The GuidedTrack page, as served, mis-decoded (the seed's mojibake) and
// with a wrong charset header, all read the same.
func TestEmojiHeadings(t *testing.T) {
	base := goldenCases[0]
	variants := []parseCase{base, base, base}
	variants[1].file = "guidedtrack-mojibake.html"
	variants[2].ctype = "text/html; charset=iso-8859-1"
	var first []byte
	for i, tc := range variants {
		t.Run(tc.file+" "+tc.ctype, func(t *testing.T) {
			snap := parseFixture(t, tc).Snapshot
			outage := find(t, snap.Incidents, "2023-06-01T0141Z")
			if outage.Severity != upstat.MajorOutage || outage.ResolvedAt == nil || !outage.ResolvedAt.Equal(mustTime(t, "2023-06-01T06:36:00Z")) {
				t.Errorf("🔴 of 2023-06-01 01:41: %s resolved %v, want major_outage resolved at 06:36", outage.Severity, outage.ResolvedAt)
			}
			open := find(t, snap.Incidents, "2023-07-10T1208Z")
			if !open.Active() || open.Severity != upstat.Degraded {
				t.Errorf("🟡 of 2023-07-10 12:08: %s %s, want open and degraded", open.Status, open.Severity)
			}
			active := 0
			for _, inc := range snap.Incidents {
				if inc.Active() {
					active++
				}
			}
			if active != 1 || snap.Indicator == nil || *snap.Indicator != upstat.Degraded || snap.HasComponents {
				t.Errorf("%d active incidents, indicator %v, has_components %v", active, snap.Indicator, snap.HasComponents)
			}
			// 🟡 → 🔵 opens and resolves in one entry.
			tr := find(t, snap.Incidents, "2022-10-07T2208Z")
			if tr.Status != upstat.StateResolved || tr.Severity != upstat.Degraded || len(tr.Updates) != 1 {
				t.Errorf("transition heading: %s %s %d updates", tr.Status, tr.Severity, len(tr.Updates))
			}
			// Out-of-order entries are read in time order.
			study := find(t, snap.Incidents, "2022-10-08T1008Z")
			if len(study.Updates) != 5 || study.ResolvedAt == nil || !study.ResolvedAt.Equal(mustTime(t, "2022-10-10T22:15:00Z")) {
				t.Errorf("2022-10-08 incident: %d updates, resolved %v", len(study.Updates), study.ResolvedAt)
			}
			if strings.Contains(outage.Updates[0].Body, "ð") {
				t.Errorf("mojibake left in body: %q", outage.Updates[0].Body)
			}
			g := golden(snap)
			if i == 0 {
				first = g
			} else if !bytes.Equal(g, first) {
				t.Errorf("reads differently from the clean page:\n%s", g)
			}
		})
	}
}

func TestStatuspageIncidentPage(t *testing.T) {
	snap := parseFixture(t, goldenCases[1]).Snapshot
	if len(snap.Incidents) != 1 {
		t.Fatalf("%d incidents", len(snap.Incidents))
	}
	inc := snap.Incidents[0]
	if inc.ID != "wz1lb0n8k2p4" || len(inc.Updates) != 7 {
		t.Errorf("id %q, %d updates; want wz1lb0n8k2p4 and seven", inc.ID, len(inc.Updates))
	}
	if inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(mustTime(t, "2018-05-02T00:40:00Z")) {
		t.Errorf("resolved at %v, want 2018-05-02T00:40:00Z", inc.ResolvedAt)
	}
	if inc.Severity != upstat.PartialOutage || strings.Join(inc.Components, ",") != "Website" {
		t.Errorf("severity %s (impact-major), components %q", inc.Severity, inc.Components)
	}
}

func TestStatuspageHomePage(t *testing.T) {
	snap := parseFixture(t, goldenCases[2]).Snapshot
	if !snap.HasComponents || len(snap.Components) != 4 {
		t.Fatalf("components %+v", snap.Components)
	}
	eu := snap.Components[3]
	if eu.Key() != "Regions/eu-west-1" || eu.Status != upstat.PartialOutage {
		t.Errorf("grouped component %q %s", eu.Key(), eu.Status)
	}
	if snap.Indicator == nil || *snap.Indicator != upstat.Degraded {
		t.Errorf("indicator %v", snap.Indicator)
	}
	inc := find(t, snap.Incidents, "k9v2xw7hq3lm")
	if inc.Status != upstat.StateIdentified || !inc.StartedAt.Equal(mustTime(t, "2023-11-03T00:09:00Z")) || inc.Severity != upstat.Degraded {
		t.Errorf("unresolved incident %s %s %s", inc.Status, inc.StartedAt, inc.Severity)
	}
	if m := find(t, snap.Incidents, "p3c8nb5t0yqa"); m.Kind != upstat.KindMaintenance || m.ScheduledFor == nil || m.Active() {
		t.Errorf("maintenance %+v", m)
	}
}

func TestTimeline(t *testing.T) {
	snap := parseFixture(t, goldenCases[3]).Snapshot
	if len(snap.Incidents) != 1 {
		t.Fatalf("%d incidents", len(snap.Incidents))
	}
	inc := snap.Incidents[0]
	if len(inc.Updates) != 6 || inc.Status != upstat.StateResolved || inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(mustTime(t, "2022-04-04T13:14:00Z")) {
		t.Errorf("%d updates, %s, resolved %v", len(inc.Updates), inc.Status, inc.ResolvedAt)
	}
	if !inc.StartedAt.Equal(mustTime(t, "2022-04-01T18:15:00Z")) || inc.Updates[1].Status != upstat.StateIdentified {
		t.Errorf("started %s, second update %s", inc.StartedAt, inc.Updates[1].Status)
	}
	if strings.Join(inc.Components, ",") != "ThinkLink Platform" || inc.Severity != upstat.Degraded || inc.ID != "tl-2022-04-01-degraded-performance" {
		t.Errorf("components %q severity %s id %q", inc.Components, inc.Severity, inc.ID)
	}
}

func TestCustomSelectors(t *testing.T) {
	snap := parseFixture(t, goldenCases[4]).Snapshot
	if len(snap.Incidents) != 4 {
		t.Fatalf("%d incidents", len(snap.Incidents))
	}
	crit := find(t, snap.Incidents, "NS-1042")
	if crit.Severity != upstat.MajorOutage || !crit.Active() || !crit.StartedAt.Equal(mustTime(t, "2024-03-14T08:12:00Z")) ||
		strings.Join(crit.Components, ",") != "Block Storage,Compute" || crit.URL != "https://status.example-hosting.example/notices/NS-1042" {
		t.Errorf("critical notice %+v", crit)
	}
	if m := find(t, snap.Incidents, "NS-1030"); m.Kind != upstat.KindMaintenance || m.Active() {
		t.Errorf("maintenance %s %s", m.Kind, m.Status)
	}
	if old := find(t, snap.Incidents, "NS-0999"); old.Active() || !strings.HasPrefix(old.Title, "Café") {
		t.Errorf("old notice still active (%s) or charset lost: %q", old.Status, old.Title)
	}
}

func TestOptionErrors(t *testing.T) {
	cases := []struct {
		name string
		opts map[string]any
		want string // "" means valid
	}{
		{"preset", map[string]any{"preset": "emoji-headings"}, ""},
		{"selectors", map[string]any{"selectors": map[string]any{"item": "li", "time": "time@datetime", "severity_map": map[string]string{"red": "major_outage"}}}, ""},
		{"unknown preset", map[string]any{"preset": "emoji"}, `preset: unknown preset "emoji"`},
		{"neither", map[string]any{}, "preset"},
		{"both", map[string]any{"preset": "timeline", "selectors": map[string]any{"item": "li"}}, "not both"},
		{"bad item", map[string]any{"selectors": map[string]any{"item": "li[", "title": "h3"}}, `selectors.item: bad selector "li["`},
		{"bad time", map[string]any{"selectors": map[string]any{"item": "li", "time": "span:nth-child(x)@datetime"}}, `selectors.time: bad selector "span:nth-child(x)@datetime"`},
		{"missing item", map[string]any{"selectors": map[string]any{"title": "h3"}}, "selectors.item: required"},
		{"bad severity_map", map[string]any{"selectors": map[string]any{"item": "li", "severity_map": map[string]string{"red": "terrible"}}}, "selectors.severity_map.red"},
		{"unknown key", map[string]any{"preset": "timeline", "match": []string{"x"}}, "match"},
		{"bad zone", map[string]any{"preset": "timeline", "zone": "Nowhere/Land"}, "zone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sources.New(sources.Spec{Kind: "html", URL: "http://127.0.0.1/", Decode: Decoder(tc.opts)}, sources.Env{})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want ErrInvalid containing %q", err, tc.want)
			}
		})
	}
}

// End to end through the registry and the shared fetcher: the GuidedTrack
// page served with a wrong charset header, then unchanged (304).
func TestPollEndToEnd(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("If-Modified-Since") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		w.Header().Set("Last-Modified", "Mon, 10 Jul 2023 12:10:00 GMT")
		_, _ = w.Write(readFixture(t, "guidedtrack.html"))
	}))
	defer srv.Close()
	env := sources.Env{Fetcher: sources.NewFetcher(sources.FetchOptions{Retries: -1}), Now: func() time.Time { return mustTime(t, "2023-07-10T12:30:00Z") }}
	src, err := sources.New(sources.Spec{Kind: "html", URL: srv.URL + "/", Vendor: "guidedtrack", Decode: Decoder(map[string]any{"preset": "emoji-headings"})}, env)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := src.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.NotModified || snap.Indicator == nil || *snap.Indicator != upstat.Degraded || !find(t, snap.Incidents, "2023-07-10T1208Z").Status.Active() {
		t.Fatalf("first poll: %+v", snap)
	}
	snap.Commit() // recorded
	snap, err = src.Poll(context.Background())
	if err != nil || !snap.NotModified || hits.Load() != 2 {
		t.Fatalf("second poll: %v %+v after %d requests", err, snap, hits.Load())
	}
}

// One fuzz target per preset and one for custom selectors: no input may
// panic, and every incident has an id and ordered updates.
func fuzzLayout(f *testing.F, opts Options, seeds ...string) {
	for _, s := range seeds {
		f.Add(readFixture(f, s), "text/html")
	}
	f.Add([]byte("<h2>🔴 2023-13-45 99:99 UTC</h2><li>resolved May 1, 2018 - 20:40 EDT</li>"), "text/html; charset=utf-8")
	f.Add([]byte("\xf0\x9f<div class=update-row><div class=update-timestamp>ago. ago.</div></div>"), "text/html; charset=windows-1252")
	cfg, err := opts.Config()
	if err != nil {
		f.Fatal(err)
	}
	cfg.Now = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		res, err := Parse(body, ctype, cfg)
		if err != nil {
			return
		}
		for _, inc := range res.Snapshot.Incidents {
			if inc.ID == "" {
				t.Fatalf("incident without id: %+v", inc)
			}
			for i := 1; i < len(inc.Updates); i++ {
				if inc.Updates[i].At.Before(inc.Updates[i-1].At) {
					t.Fatalf("updates out of order: %+v", inc.Updates)
				}
			}
		}
	})
}

func FuzzEmojiHeadings(f *testing.F) {
	fuzzLayout(f, Options{Preset: PresetEmojiHeadings}, "guidedtrack.html", "guidedtrack-mojibake.html")
}

func FuzzStatuspageHTML(f *testing.F) {
	fuzzLayout(f, Options{Preset: PresetStatuspage}, "statuspage-incident.html", "statuspage-home.html")
}

func FuzzTimeline(f *testing.F) {
	fuzzLayout(f, Options{Preset: PresetTimeline}, "thinklink-incident.html")
}

func FuzzSelectors(f *testing.F) {
	fuzzLayout(f, Options{Selectors: customSelectors()}, "custom-selectors.html")
}

func TestCustomSelectorFields(t *testing.T) {
	page := []byte(`<ul>
<li class="x"><b>API down</b> <i>🔴</i> <span class="when">14.03.2024 09:12</span></li>
<li class="x"><b>Slow search</b> <span class="when">14.03.2024 10:00</span><em>resolved</em></li>
<li class="x"><b>No time</b> <span class="when">soon</span></li>
</ul>`)
	o := Options{Zone: "Europe/Berlin", Selectors: &Selectors{Item: "li.x", Title: "b", Time: ".when", TimeLayout: "02.01.2006 15:04", Severity: "i", Status: "em"}}
	res := parseAt(t, page, o, "2024-03-14T10:00:00Z")
	incs := res.Snapshot.Incidents
	if len(incs) != 2 {
		t.Fatalf("%d incidents, want 2 (the item without a readable time is skipped)", len(incs))
	}
	down := incs[0]
	if down.Severity != upstat.MajorOutage || !down.StartedAt.Equal(mustTime(t, "2024-03-14T08:12:00Z")) || down.ID != "api-down@2024-03-14T0812Z" || !down.Status.Active() {
		t.Errorf("emoji severity, layout in zone, derived id: %+v", down)
	}
	if incs[1].Status != upstat.StateResolved || !res.Expiry.Equal(mustTime(t, "2024-03-15T08:12:00Z")) {
		t.Errorf("status selector %s, expiry %s", incs[1].Status, res.Expiry)
	}
}

// TestCustomSelectorsChainByWords: items whose status comes from their
// words have no lifecycle of their own: a resolving item resolves the open
// incident before it, a newer problem supersedes it; an item with a status
// word stays its own incident.
func TestCustomSelectorsChainByWords(t *testing.T) {
	page := []byte(`<ul>
<li class="x"><b>Search is fast again</b> <time datetime="2024-03-14T11:00:00Z"></time><p>The issue is resolved.</p></li>
<li class="x"><b>Slow search</b> <time datetime="2024-03-14T10:00:00Z"></time><p>Search is degraded.</p></li>
<li class="x"><b>API down</b> <time datetime="2024-03-14T08:00:00Z"></time><p>The API is down.</p></li>
<li class="x"><b>Old notice</b> <time datetime="2024-03-14T07:00:00Z"></time><p>Degraded.</p><em>monitoring</em></li>
</ul>`)
	o := Options{Selectors: &Selectors{Item: "li.x", Title: "b", Time: "time@datetime", Body: "p", Status: "em"}}
	res := parseAt(t, page, o, "2024-03-14T12:00:00Z")
	var got []string
	for _, inc := range res.Snapshot.Incidents {
		res := "-"
		if inc.ResolvedAt != nil {
			res = inc.ResolvedAt.Format("15:04")
		}
		got = append(got, fmt.Sprintf("%s %s %s %d", inc.Title, inc.Status, res, len(inc.Updates)))
	}
	want := []string{"Slow search resolved 11:00 2", "API down resolved 10:00 1", "Old notice monitoring - 1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if !res.Expiry.Equal(mustTime(t, "2024-03-15T07:00:00Z")) {
		t.Errorf("expiry %s, want the monitoring notice's age limit", res.Expiry)
	}
}

// parseAt parses an HTML page with options o at the time now.
func parseAt(t *testing.T, page []byte, o Options, now string) Result {
	t.Helper()
	cfg, err := o.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Now = mustTime(t, now)
	res, err := Parse(page, "text/html", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
