package catalogbuild

import (
	"bytes"
	"strings"
	"testing"

	"github.com/upstat/upstat/catalogue"
)

// inputs is a small world that exercises every rule of Build.
func inputs() *Inputs {
	return &Inputs{
		Watch: []WatchVendor{
			{Slug: "acme", Name: "Acme", Platform: "statuspage", Base: "https://status.acme.test", Supported: true,
				Aliases: []string{"https://acme.statuspage.io"}},
			{Slug: "gone", Name: "Gone", Platform: "dead", Base: "https://status.gone.test"},
			{Slug: "bespoke", Name: "Bespoke", Platform: "unknown-html", Base: "https://status.bespoke.test"},
			{Slug: "sio", Name: "Sio", Platform: "status.io", Base: "https://status.sio.test", Supported: true, PageID: "aaaa"},
			{Slug: "fresh1", Name: "Fresh1", Platform: "status.io", Base: "https://f1.freshstatus.test", PageID: "shared"},
			{Slug: "fresh2", Name: "Fresh2", Platform: "status.io", Base: "https://f2.freshstatus.test", PageID: "shared"},
			{Slug: "homepage", Name: "Homepage", Platform: "incident.io", Base: "https://home.test"},
			{Slug: "acme-again", Name: "Acme Again", Platform: "statuspage", Base: "https://status.acme.test"},
		},
		Statusphere: []NamedURL{{Name: "ACME", URL: "https://www.acmestatus.test"}},
		Sentry:      []SentryEntry{{Name: "Acme", URL: "https://status.acme.test/", Domains: []string{"acme.test", "*.acme-cdn.test"}}},
		Feeds: []Feed{
			{Category: "Cloud", Name: "acme", URL: "https://status.acme.test/history.atom"},
			{Category: "Cloud", Name: "Feedy", URL: "https://status.feedy.test/history.rss"},
			{Category: "Cloud", Name: "Gone Feed", URL: "https://status.gone.test/history.atom"},
		},
		Statuscheck: []StatusCheck{{Name: "Custom", URL: "https://status.custom.test", Platform: "custom"}},
		Statuspile:  []StatusPile{{Name: "Piled", Type: "cachet", URL: "https://status.piled.test/"}},
		Overlay: Overlay{
			Vendors: []OverlayVendor{
				{Entry: catalogue.Entry{ID: "bigcloud", Name: "Big Cloud", Kind: "aws", URL: "https://health.bigcloud.test", Domains: []string{"bigcloud.test"}}, Why: "test"},
				{Entry: catalogue.Entry{ID: "feedy", Aliases: []string{"feedy-io"}}, Why: "test"},
			},
			Drop:         []Reasoned{{ID: "piled", Why: "test"}},
			ExcludeHosts: []Reasoned{{Host: "home.test", Why: "a home page"}},
		},
	}
}

func build(t *testing.T, in *Inputs) map[string]catalogue.Entry {
	t.Helper()
	res, err := Build(in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	out := map[string]catalogue.Entry{}
	for _, e := range res.Entries {
		out[e.ID] = e
	}
	return out
}

func TestBuildRules(t *testing.T) {
	got := build(t, inputs())
	var ids []string
	for id := range got {
		ids = append(ids, id)
	}
	if len(got) != 4 {
		t.Fatalf("ids = %v, want acme, sio, feedy, bigcloud", ids)
	}
	acme := got["acme"]
	if acme.Kind != "statuspage" || acme.URL != "https://status.acme.test" {
		t.Errorf("acme = %+v", acme)
	}
	if strings.Join(acme.Aliases, ",") != "acme-again,acme.statuspage.io,www.acmestatus.test" {
		t.Errorf("acme aliases = %v: one vendor's hosts (and a duplicate slug) merge into one entry", acme.Aliases)
	}
	if strings.Join(acme.Domains, ",") != "acme.test,acme-cdn.test" || acme.Category != "cloud" {
		t.Errorf("acme domains %v category %q", acme.Domains, acme.Category)
	}
	if !strings.Contains(acme.Source, "vendor-status-watch") || !strings.Contains(acme.Source, "sentry") {
		t.Errorf("acme source = %q", acme.Source)
	}
	if sio := got["sio"]; sio.Kind != "statusio" || sio.Options["page_id"] != "aaaa" {
		t.Errorf("sio = %+v", sio)
	}
	if f := got["feedy"]; f.Kind != "feed" || f.URL != "https://status.feedy.test/history.rss" || f.Aliases[0] != "feedy-io" {
		t.Errorf("feedy = %+v", f)
	}
	if b := got["bigcloud"]; b.Kind != "aws" || b.Source != "overlay" {
		t.Errorf("bigcloud = %+v", b)
	}
	for _, id := range []string{"gone", "gone-feed", "bespoke", "fresh1", "fresh2", "homepage", "custom", "piled"} {
		if _, ok := got[id]; ok {
			t.Errorf("%s should have been dropped", id)
		}
	}
}

// The same inputs give the same bytes.
func TestBuildDeterministic(t *testing.T) {
	a, err := Build(inputs())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(inputs())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(catalogue.Encode(a.Entries), catalogue.Encode(b.Entries)) {
		t.Error("two builds of the same inputs differ")
	}
	if _, err := catalogue.Parse(catalogue.Encode(a.Entries)); err != nil {
		t.Errorf("built catalogue does not parse: %v", err)
	}
}

func TestGoldenIDs(t *testing.T) {
	in := inputs()
	in.IDs = []string{"acme", "sio", "vanished"}
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "vanished") {
		t.Fatalf("a vanished id must fail the build, got %v", err)
	}
	in.Retired = []Retired{{ID: "vanished", ReplacedBy: "acme", Why: "renamed"}}
	got := build(t, in)
	if !strings.Contains(strings.Join(got["acme"].Aliases, ","), "vanished") {
		t.Errorf("a retired id answers as an alias of its replacement: %v", got["acme"].Aliases)
	}
	in.Retired = []Retired{{ID: "vanished", ReplacedBy: "nothing", Why: "renamed"}}
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), `replaced by "nothing"`) {
		t.Errorf("a replacement that does not exist must fail, got %v", err)
	}
	in.Retired = []Retired{{ID: "vanished"}}
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "say why") {
		t.Errorf("a retirement without a reason must fail, got %v", err)
	}
	in.Retired = []Retired{{ID: "vanished", Why: "the vendor closed"}}
	if got := build(t, in); strings.Contains(strings.Join(got["acme"].Aliases, ","), "vanished") {
		t.Error("an id retired without a replacement is nobody's alias")
	}
	in.Retired = []Retired{{ID: "acme", Why: "test"}}
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "still an id") {
		t.Errorf("a retired id that is still an id must fail, got %v", err)
	}
}

func TestOverlayErrors(t *testing.T) {
	for name, edit := range map[string]func(*Overlay){
		"no why":       func(o *Overlay) { o.Vendors[0].Why = "" },
		"new, no kind": func(o *Overlay) { o.Vendors[0].Kind = "" },
		"drop unknown": func(o *Overlay) { o.Drop[0].ID = "nope" },
		"drop, no why": func(o *Overlay) { o.Drop[0].Why = "" },
	} {
		in := inputs()
		edit(&in.Overlay)
		if _, err := Build(in); err == nil {
			t.Errorf("%s: Build accepted the overlay", name)
		}
	}
}

// Read parses each list in its real format (nested OPML outlines
// included) and Build runs on them.
func TestReadAndBuild(t *testing.T) {
	in, err := Read("testdata/sources", "testdata/cat")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Feeds) != 2 || in.Feeds[1].Name != "Deep" || in.Feeds[1].Category != "Cloud" {
		t.Errorf("feeds = %+v, want the nested one too, in its top category", in.Feeds)
	}
	if len(in.IDs) != 1 || in.IDs[0] != "acme" {
		t.Errorf("ids = %v", in.IDs)
	}
	got := build(t, in)
	want := map[string]string{"acme": "statuspage", "checked": "statuspage", "piled": "cachet", "top": "feed", "deep": "feed"}
	if len(got) != len(want) {
		t.Errorf("built %d entries, want %v", len(got), want)
	}
	for id, kind := range want {
		if got[id].Kind != kind {
			t.Errorf("%s: kind %q, want %q", id, got[id].Kind, kind)
		}
	}
	if a := got["acme"]; len(a.Aliases) != 1 || a.Aliases[0] != "acme.statuspage.io" || len(a.Domains) != 1 {
		t.Errorf("acme = %+v", a)
	}
}
