package statuspage

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/upstat/upstat/sources/goldentest"
)

// fuzzDecode feeds any bytes through decode and normalise: an error is
// fine, a panic or a nil snapshot without an error is not.
func fuzzDecode(f *testing.F, kind docKind, seeds ...string) {
	for _, fx := range loadFixtures(f) {
		f.Add(goldentest.Read(f, fx.path))
	}
	for _, s := range append(seeds, `{}`, `[]`, `null`, `"x"`, ``, `{"page":null}`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := decodeNormalize(testBase, nil, kind, b)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}

func FuzzDecodeSummary(f *testing.F) {
	fuzzDecode(f, docSummary,
		`{"components":null,"incidents":null,"scheduled_maintenances":null,"status":null}`,
		`{"components":[{"id":"g","group":true,"components":["l"]},{"id":"l","group_id":"g"}]}`,
		`{"components":[{"id":"l","group_id":"l","components":["l"]}]}`,
		`{"components":[],"incidents":[{"id":"i","incident_updates":[{"affected_components":[{"code":"zz"}]}]}]}`,
	)
}

func FuzzDecodeIncidents(f *testing.F) {
	fuzzDecode(f, docIncidents,
		`{"incidents":[{"id":"a","status":"postmortem","incident_updates":null,"components":null}]}`,
		`{"incidents":[{"id":"a"},{"id":"a","updated_at":"2026-01-01T00:00:00Z"}]}`,
		`{"incidents":[{"id":"a","incident_updates":[{"status":"resolved","display_at":"2026-01-01T00:00:00-08:00"},{"status":"investigating"}]}]}`,
		`{"incidents":[{"id":"a","created_at":12}]}`,
	)
}

// cloudflareSized builds a summary the size of Cloudflare's: 8 groups and
// 470 leaves, 6 incidents of 6 updates each, 2 maintenances.
func cloudflareSized(tb testing.TB) []byte {
	tb.Helper()
	t0 := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	stamp := func(d time.Duration) string { return t0.Add(d).Format("2006-01-02T15:04:05.000Z07:00") }
	type obj = map[string]any
	var comps []obj
	for g := range 8 {
		gid := fmt.Sprintf("group%07d", g)
		var children []string
		for l := range 470 / 8 {
			children = append(children, fmt.Sprintf("leaf%04d%04d", g, l))
		}
		if g < 470%8 {
			children = append(children, fmt.Sprintf("leaf%04d%04d", g, 470/8))
		}
		comps = append(comps, obj{"id": gid, "name": fmt.Sprintf("Region %d", g), "status": "operational",
			"created_at": stamp(-1000 * time.Hour), "updated_at": stamp(0), "position": g, "description": nil,
			"showcase": false, "start_date": nil, "group_id": nil, "page_id": "yh6f0r4529hb", "group": true,
			"only_show_if_degraded": false, "components": children})
		for i, id := range children {
			status := "operational"
			if i%97 == 3 {
				status = "degraded_performance"
			}
			comps = append(comps, obj{"id": id, "name": fmt.Sprintf("City %d (C%02d)", i, i), "status": status,
				"created_at": stamp(-900 * time.Hour), "updated_at": stamp(-time.Duration(i) * time.Minute), "position": i,
				"description": nil, "showcase": false, "start_date": nil, "group_id": gid, "page_id": "yh6f0r4529hb",
				"group": false, "only_show_if_degraded": i%5 == 0})
		}
	}
	words := []string{"investigating", "identified", "update", "monitoring", "monitoring", "resolved"}
	incident := func(n int, maint bool) obj {
		id := fmt.Sprintf("inc%09d", n)
		var ups []obj
		for u := len(words) - 1; u >= 0; u-- { // newest first
			ups = append(ups, obj{"id": fmt.Sprintf("upd%05d%04d", n, u), "status": words[u], "incident_id": id,
				"body":       "We are continuing to work on a fix for this issue.\r\nAffected users may see errors when accessing the dashboard and API.",
				"created_at": stamp(time.Duration(u) * 10 * time.Minute), "updated_at": stamp(time.Duration(u) * 10 * time.Minute),
				"display_at": stamp(time.Duration(u) * 10 * time.Minute), "deliver_notifications": true,
				"affected_components": []obj{{"code": fmt.Sprintf("leaf%04d%04d", n%8, u), "name": "Region - City", "old_status": "operational", "new_status": "degraded_performance"}}})
		}
		inc := obj{"id": id, "name": "Elevated errors in some locations", "status": "monitoring", "impact": "minor",
			"created_at": stamp(0), "updated_at": stamp(time.Hour), "started_at": stamp(0), "resolved_at": nil,
			"shortlink": "https://stspg.io/" + id, "page_id": "yh6f0r4529hb", "incident_updates": ups, "components": []obj{}}
		if maint {
			inc["status"], inc["impact"] = "scheduled", "maintenance"
			inc["scheduled_for"], inc["scheduled_until"] = stamp(48*time.Hour), stamp(52*time.Hour)
		}
		return inc
	}
	var incs, maints []obj
	for n := range 6 {
		incs = append(incs, incident(n, false))
	}
	for n := range 2 {
		maints = append(maints, incident(100+n, true))
	}
	b, err := json.Marshal(obj{
		"page":       obj{"id": "yh6f0r4529hb", "name": "Cloudflare", "url": "http://www.cloudflarestatus.com", "time_zone": "Etc/UTC", "updated_at": stamp(time.Hour)},
		"status":     obj{"indicator": "minor", "description": "Minor Service Outage"},
		"components": comps, "incidents": incs, "scheduled_maintenances": maints,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestCloudflareSized(t *testing.T) {
	snap, err := decodeNormalize(testBase, nil, docSummary, cloudflareSized(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Components) != 470 || len(snap.Incidents) != 8 {
		t.Errorf("%d components, %d incidents; want 470 and 8", len(snap.Components), len(snap.Incidents))
	}
	seen := map[string]bool{}
	for _, c := range snap.Components {
		if c.Group == "" || seen[c.Key()] {
			t.Fatalf("component %q: empty group or duplicate key", c.Key())
		}
		seen[c.Key()] = true
	}
}

func BenchmarkDecodeNormalizeLarge(b *testing.B) {
	body := cloudflareSized(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeNormalize(testBase, nil, docSummary, body); err != nil {
			b.Fatal(err)
		}
	}
}
