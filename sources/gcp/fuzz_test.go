package gcp

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var fixedNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func specFor(u, opts string) sources.Spec {
	return sources.Spec{Kind: Kind, URL: u, Vendor: "gcp", Decode: goldentest.Options(opts)}
}

func normalizeMapper(over map[string]upstat.Severity) (*normalize.Mapper, error) {
	return normalize.NewMapper(map[string]map[string]upstat.Severity{Kind: over})
}

// FuzzDecodeGCP: any bytes give an error or a snapshot, never a panic or
// a nil snapshot without an error.
func FuzzDecodeGCP(f *testing.F) {
	for _, p := range goldentest.Fixtures(f, "testdata", ".json", 5) {
		f.Add(goldentest.Read(f, p))
	}
	for _, s := range []string{`[]`, `{}`, `null`, `[null]`, `[{"id":"a","begin":"2026-01-01T00:00:00Z","updates":[{}]}]`,
		`[{"id":"a","created":"2026-01-01T00:00:00Z","updates":[{"status":"AVAILABLE"}],"affected_products":[{}]}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := decodeNormalize(testURL, nil, filter{}, b)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}

// yearOfIncidents builds an incidents.json the size of Google Cloud's
// (a year, ~170 KB): 70 incidents of 3 updates, newest first, the
// newest still open.
func yearOfIncidents(tb testing.TB) []byte {
	tb.Helper()
	t0 := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	type obj = map[string]any
	stamp := func(t time.Time) string { return t.Format("2006-01-02T15:04:05+00:00") }
	var incs []obj
	for n := range 70 {
		begin := t0.Add(time.Duration(n) * 125 * time.Hour)
		loc := obj{"title": "Region", "id": fmt.Sprintf("region-%d", n%30)}
		var ups []obj
		for u := 2; u >= 0; u-- {
			at := begin.Add(time.Duration(u) * 30 * time.Minute)
			st := "SERVICE_DISRUPTION"
			if u == 2 && n < 69 {
				st = "AVAILABLE"
			}
			ups = append(ups, obj{"created": stamp(at), "modified": stamp(at), "when": stamp(at), "status": st,
				"text":               "Summary: Elevated error rates for a product in a region.\nDescription: Our engineering team continues to investigate the issue. We will provide an update by Friday, 2026-03-10 07:30 US/Pacific with current details.\nWorkaround: Retry requests.",
				"affected_locations": []obj{loc}})
		}
		inc := obj{"id": fmt.Sprintf("inc%017d", n), "number": fmt.Sprint(1e15 + n), "begin": stamp(begin), "created": stamp(begin.Add(10 * time.Minute)),
			"modified": stamp(begin.Add(time.Hour)), "external_desc": "Elevated error rates for a product in a region",
			"updates": ups, "most_recent_update": ups[0], "status_impact": "SERVICE_DISRUPTION", "severity": "medium",
			"service_key": fmt.Sprintf("svc%d", n%40), "service_name": "Product", "affected_products": []obj{{"title": fmt.Sprintf("Product %d", n%40), "id": fmt.Sprintf("svc%d", n%40)}},
			"uri": fmt.Sprintf("incidents/inc%017d", n), "currently_affected_locations": []obj{loc}, "previously_affected_locations": []obj{}}
		if n < 69 {
			inc["end"] = stamp(begin.Add(time.Hour))
		}
		incs = append([]obj{inc}, incs...)
	}
	b, err := json.Marshal(incs)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestYearOfIncidents(t *testing.T) {
	body := yearOfIncidents(t)
	snap, err := decodeNormalize(testURL, nil, filter{}, body)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) < 150<<10 || len(body) > 200<<10 || len(snap.Incidents) != 70 || snap.Incidents[0].Active() == false {
		t.Errorf("%d bytes, %d incidents, newest active %v", len(body), len(snap.Incidents), snap.Incidents[0].Active())
	}
}

func BenchmarkDecodeNormalizeYear(b *testing.B) {
	body := yearOfIncidents(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeNormalize(testURL, nil, filter{}, body); err != nil {
			b.Fatal(err)
		}
	}
}
