package feed

import (
	"testing"

	"github.com/upstat/upstat"
)

// TestGenericResolutionPostsTakePart: in a generic feed read without
// match keywords, a resolution post that names no problem ("Resolved: all
// systems operational") still resolves the open incident; one with
// nothing open to close makes no incident.
func TestGenericResolutionPostsTakePart(t *testing.T) {
	feed := []byte(`<?xml version="1.0"?>
<rss version="2.0"><channel><title>Ops blog</title><link>https://ops.example/</link>
<item><title>All systems operational</title><link>https://ops.example/p0</link><guid>p0</guid>
  <pubDate>Sun, 01 Mar 2026 08:00:00 +0000</pubDate><description>Resolved. Everything is back to normal.</description></item>
<item><title>Login outage</title><link>https://ops.example/p1</link><guid>p1</guid>
  <pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate><description>Users cannot log in. We are investigating.</description></item>
<item><title>Login outage</title><link>https://ops.example/p2</link><guid>p2</guid>
  <pubDate>Mon, 02 Mar 2026 10:30:00 +0000</pubDate><description>Still investigating the outage.</description></item>
<item><title>Resolved</title><link>https://ops.example/p3</link><guid>p3</guid>
  <pubDate>Mon, 02 Mar 2026 11:00:00 +0000</pubDate><description>All systems operational.</description></item>
</channel></rss>`)
	res, err := Parse(feed, Config{Format: FormatGeneric, Now: mustTime(t, "2026-03-02T12:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Incidents) != 1 {
		t.Fatalf("%d incidents %+v, want 1 (the outage; the lone resolution post closes nothing)", len(res.Incidents), res.Incidents)
	}
	inc := res.Incidents[0]
	if inc.ID != "p1" || inc.Status != upstat.StateResolved || inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(mustTime(t, "2026-03-02T11:00:00Z")) {
		t.Errorf("incident %s: %s resolved at %v, want p1 resolved at 11:00 by the resolution post", inc.ID, inc.Status, inc.ResolvedAt)
	}
	if len(inc.Updates) != 3 {
		t.Errorf("%d updates, want 3", len(inc.Updates))
	}
}
