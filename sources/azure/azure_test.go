package azure

import (
	"strings"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

// TestVanishedItem: when an item leaves the feed, the snapshot lists no
// incident for it and says it lists every open one (so the aggregator
// resolves it), and its component comes back operational — but only once
// the snapshot that listed it was recorded.
func TestVanishedItem(t *testing.T) {
	body := goldentest.Read(t, "testdata/item-z-zone-run-together.xml")
	src := newSource(t, serve(t, "application/rss+xml", &body).URL)
	snap, err := src.Poll(t.Context())
	if err != nil || len(snap.Incidents) != 1 || snap.Components[0].Status != upstat.Degraded {
		t.Fatalf("open: %+v, %v", snap, err)
	}
	body = goldentest.Read(t, "testdata/healthy-no-items.xml")
	if snap, err = src.Poll(t.Context()); err != nil || len(snap.Components) != 0 {
		t.Fatalf("not committed: components %+v, %v", snap.Components, err)
	}
	body = goldentest.Read(t, "testdata/item-z-zone-run-together.xml")
	snap, _ = src.Poll(t.Context())
	snap.Commit()
	body = goldentest.Read(t, "testdata/healthy-no-items.xml")
	snap, err = src.Poll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Incidents) != 0 || !snap.ListsAllOpen {
		t.Fatalf("incidents %+v, lists all open %v", snap.Incidents, snap.ListsAllOpen)
	}
	if len(snap.Components) != 1 || snap.Components[0].Key() != "West Europe/Virtual Machines/VM Scale Sets (West Europe)" || snap.Components[0].Status != upstat.Operational {
		t.Fatalf("components %+v", snap.Components)
	}
}

// TestWrongPayloadFails: what is not the Azure RSS fails the poll.
func TestWrongPayloadFails(t *testing.T) {
	for name, tc := range map[string]struct{ ctype, body, want string }{
		"html page":   {"text/html", "<!DOCTYPE html><html><body>Azure status</body></html>", "content type"},
		"html as xml": {"application/xml", "<html><body>Azure status</body></html>", "root element is <html>"},
		"atom":        {"application/atom+xml", `<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>`, "root element is <feed>"},
		"json":        {"application/json", `{"status":"ok"}`, "body starts with"},
		"no channel":  {"application/rss+xml", `<rss version="2.0"></rss>`, "no <channel>"},
		"empty":       {"application/rss+xml", ``, "no XML element"},
	} {
		t.Run(name, func(t *testing.T) {
			body := []byte(tc.body)
			snap, err := newSource(t, serve(t, tc.ctype, &body).URL).Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %+v, %v; want an error containing %q", snap, err, tc.want)
			}
		})
	}
}

func TestNoOptions(t *testing.T) {
	_, err := New(sources.Spec{Kind: Kind, URL: DefaultURL, Decode: goldentest.Options(`{"regions":["x"]}`)}, goldentest.Env(fixedNow))
	if err == nil || !strings.Contains(err.Error(), "regions") {
		t.Fatalf("unknown option: %v", err)
	}
}

// FuzzDecodeAzure: any bytes give an error or a snapshot, never a panic
// or a nil snapshot without an error.
func FuzzDecodeAzure(f *testing.F) {
	for _, p := range goldentest.Fixtures(f, "testdata", ".xml", 4) {
		f.Add(goldentest.Read(f, p))
	}
	for _, s := range []string{``, `<rss/>`, `<rss><channel><item><title> - </title></item></channel></rss>`,
		`<rss><channel><item><title>a</title><pubDate>Mon, 99 Nov 2018 16:25:40 Z</pubDate><description>&lt;p</description></item></channel></rss>`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := decodeNormalize(nil, fixedNow, b)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}
