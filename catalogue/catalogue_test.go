package catalogue

import (
	"bytes"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func load(t testing.TB) *Catalogue {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("embedded catalogue: %v", err)
	}
	return c
}

// The count and tally `make catalogue` printed for the committed file.
// A rebuild that changes them must change this table (and README).
func TestCountAndTally(t *testing.T) {
	c := load(t)
	want := map[string]int{
		"statuspage": 731, "feed": 80, "instatus": 34, "statusio": 33, "betterstack": 28,
		"gcp": 4, "incidentio": 4, "cachet": 2, "aws": 1, "azure": 1, "heroku": 1, "slack": 1,
	}
	total := 0
	for k, n := range want {
		total += n
		if got := c.Kinds()[k]; got != n {
			t.Errorf("kind %s: %d entries, want %d", k, got, n)
		}
	}
	if len(c.Kinds()) != len(want) {
		t.Errorf("kinds = %v, want %v", c.Kinds(), want)
	}
	if c.Len() != total || c.Len() < 900 {
		t.Errorf("entries = %d, want %d (and at least 900)", c.Len(), total)
	}
}

// The committed file is what Encode writes: sorted, one vendor per line,
// the header on top. The build writes it through Encode, so a hand edit
// shows up here.
func TestCanonicalForm(t *testing.T) {
	c := load(t)
	if got := Encode(c.Entries()); !bytes.Equal(got, vendorsFile) {
		t.Fatal("vendors.yaml is not in canonical form: run `make catalogue` instead of editing it")
	}
}

// vendors.yaml is YAML too: a YAML decoder reads the same entries.
func TestFileIsYAML(t *testing.T) {
	var viaYAML []map[string]any
	if err := yaml.Unmarshal(vendorsFile, &viaYAML); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	c := load(t)
	if len(viaYAML) != c.Len() {
		t.Fatalf("yaml sees %d entries, json %d", len(viaYAML), c.Len())
	}
	for i, e := range c.Entries() {
		if viaYAML[i]["id"] != e.ID || viaYAML[i]["url"] != e.URL {
			t.Fatalf("entry %d: yaml %v, json %+v", i, viaYAML[i], e)
		}
	}
}

// ids.txt, the golden list the build checks, names exactly the ids.
func TestIDsGolden(t *testing.T) {
	b, err := os.ReadFile("ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	var golden []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			golden = append(golden, l)
		}
	}
	entries := load(t).Entries()
	if len(golden) != len(entries) {
		t.Fatalf("ids.txt has %d ids, catalogue %d", len(golden), len(entries))
	}
	for i, e := range entries {
		if golden[i] != e.ID {
			t.Fatalf("ids.txt line %d = %q, catalogue id %q", i, golden[i], e.ID)
		}
	}
}

func TestEntriesWellFormed(t *testing.T) {
	for _, e := range load(t).Entries() {
		if !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(e.ID) {
			t.Errorf("%q: id must match [a-z0-9-]+", e.ID)
		}
		if e.Name == "" || e.Kind == "" || e.Source == "" {
			t.Errorf("%s: name, kind and source are required: %+v", e.ID, e)
		}
		if !strings.HasPrefix(e.URL, "https://") && !strings.HasPrefix(e.URL, "http://") || Host(e.URL) == "" {
			t.Errorf("%s: url %q is not http(s)", e.ID, e.URL)
		}
		if e.Kind == "statusio" && e.Options["page_id"] == "" {
			t.Errorf("%s: a status.io entry needs options.page_id", e.ID)
		}
	}
}

// No host (of a URL or a host alias) belongs to two entries, and no key
// (id, alias, host) names two vendors.
func TestNoDuplicateHost(t *testing.T) {
	owner := map[string]string{}
	for _, e := range load(t).Entries() {
		for _, k := range e.Keys() {
			if prev, dup := owner[k]; dup && prev != e.ID {
				t.Errorf("%q is claimed by %s and %s", k, prev, e.ID)
			}
			owner[k] = e.ID
		}
	}
	dup := `[{"id":"a","name":"A","kind":"feed","url":"https://status.example.com/feed","source":"t"},
{"id":"b","name":"B","kind":"feed","url":"https://STATUS.example.com/other","source":"t"}]`
	if _, err := Parse([]byte(dup)); err == nil || !strings.Contains(err.Error(), `"status.example.com" is claimed by a and b`) {
		t.Errorf("Parse accepted a host claimed twice: %v", err)
	}
}

func TestLookup(t *testing.T) {
	c := load(t)
	for key, want := range map[string]string{
		"github":                         "github",
		"GitHub":                         "github",
		"www.githubstatus.com":           "github",
		"https://www.githubstatus.com/x": "github",
		"twilio.statuspage.io":           "twilio",
		"gcp":                            "google-cloud",
		"claude":                         "anthropic",
		"status.anthropic.com":           "anthropic",
		"pypi":                           "python-package-index",
	} {
		e, ok := c.Lookup(key)
		if !ok || e.ID != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", key, e.ID, ok, want)
		}
	}
	if e, ok := c.Lookup("no-such-vendor"); ok {
		t.Errorf("Lookup(no-such-vendor) = %+v", e)
	}
}

func TestSearch(t *testing.T) {
	c := load(t)
	got := c.Search("stripe")
	if len(got) == 0 || got[0].ID != "stripe" {
		t.Fatalf("Search(stripe) = %v, want stripe first", ids(got))
	}
	got = c.Search("atlassian")
	if len(got) < 5 || got[0].ID != "atlassian" {
		t.Errorf("Search(atlassian) = %v, want atlassian first, then its products", ids(got))
	}
	if got := c.Search("run.app"); len(got) == 0 || got[0].ID != "google-cloud" {
		t.Errorf("Search by domain = %v, want google-cloud first", ids(got))
	}
	if got := c.Search("  "); got != nil {
		t.Errorf("Search(blank) = %v", ids(got))
	}
	if got := c.Search("zzzz-nothing"); len(got) != 0 {
		t.Errorf("Search(nothing) = %v", ids(got))
	}
}

func TestList(t *testing.T) {
	c := load(t)
	if got := c.List(""); len(got) != c.Len() {
		t.Errorf("List(\"\") = %d entries, want %d", len(got), c.Len())
	}
	for _, e := range c.List("statusio") {
		if e.Kind != "statusio" {
			t.Errorf("List(statusio) returned %s of kind %s", e.ID, e.Kind)
		}
	}
	if n := len(c.List("statusio")); n != c.Kinds()["statusio"] {
		t.Errorf("List(statusio) = %d", n)
	}
}

func TestMatchHost(t *testing.T) {
	c := load(t)
	for host, want := range map[string]string{
		"api.stripe.com":             "stripe/domain",
		"hooks.slack.com":            "slack/domain",
		"s3.eu-west-1.amazonaws.com": "aws/domain",
		"API.GitHub.com.":            "github/domain",
		"eu.api.example-nope.test":   "",
		"api.zoominfo.com":           "zoominfo/status-host",
		"foo.instatus.com":           "", // a hosting platform, not a vendor
	} {
		e, how, ok := c.MatchHost(host)
		got := ""
		if ok {
			got = e.ID + "/" + how
		}
		if got != want {
			t.Errorf("MatchHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func ids(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// Loading must cost < 20 ms and < 5 MiB: `go test -bench Load -benchmem
// ./catalogue` reports ns/op, B/op and heap-B (the live heap the loaded
// catalogue holds).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(vendorsFile); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(heapOf(func() any { c, _ := Parse(vendorsFile); return c })), "heap-B")
}

// heapOf returns the live heap held by what f returns.
func heapOf(f func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// The heap the loaded catalogue holds stays under 5 MiB.
func TestLoadHeap(t *testing.T) {
	if h := heapOf(func() any { c, _ := Parse(vendorsFile); return c }); h > 5<<20 {
		t.Errorf("loaded catalogue holds %d bytes, want < 5 MiB", h)
	}
}
