package gcp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources/goldentest"
)

// TestConditionalGetAfterCommit: validators are sent only once the
// snapshot was committed; then a 304 is NotModified.
func TestConditionalGetAfterCommit(t *testing.T) {
	body := goldentest.Read(t, "testdata/resolved-still-listing-locations.json")
	var conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	src := newSource(t, srv.URL+"/incidents.json", nil)
	for i := range 2 { // not committed: both polls fetch in full
		snap, err := src.Poll(t.Context())
		if err != nil || snap.NotModified || len(snap.Incidents) != 1 {
			t.Fatalf("poll %d before commit: %+v, %v", i, snap, err)
		}
		if i == 1 {
			snap.Commit()
		}
	}
	if conditional.Load() != 0 {
		t.Fatal("a conditional request was sent before the snapshot was committed")
	}
	snap, err := src.Poll(t.Context())
	if err != nil || !snap.NotModified || conditional.Load() != 1 {
		t.Fatalf("after commit: %+v, %v, %d conditional requests", snap, err, conditional.Load())
	}
}

// TestWrongPayloadFails: what is not incidents.json fails the poll,
// naming what it got, instead of reading as "no incidents".
func TestWrongPayloadFails(t *testing.T) {
	for name, tc := range map[string]struct{ ctype, body, want string }{
		"html":        {"text/html", "<!doctype html><p>Sorry", "content type"},
		"statuspage":  {"application/json", `{"page":{"id":"x"},"incidents":[]}`, "expected a JSON array"},
		"other array": {"application/json", `[{"name":"x"}]`, "has no id"},
		"no begin":    {"application/json", `[{"id":"x"}]`, "neither begin nor created"},
		"bad time":    {"application/json", `[{"id":"x","begin":"yesterday"}]`, "decode"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			snap, err := newSource(t, srv.URL, nil).Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %+v, %v; want an error containing %q", snap, err, tc.want)
			}
		})
	}
}

func TestOptionsStrict(t *testing.T) {
	_, err := New(specFor("https://status.cloud.google.com", `{"product":["x"]}`), goldentest.Env(fixedNow))
	if err == nil || !strings.Contains(err.Error(), "product") {
		t.Fatalf("unknown key: %v", err)
	}
	s := newSource(t, "https://www.google.com/appsstatus/dashboard/", nil)
	if s.doc.URL != "https://www.google.com/appsstatus/dashboard/incidents.json" {
		t.Errorf("url %q", s.doc.URL)
	}
}

// TestFilter keeps products and locations named in the options, by title
// or id, and incidents without location data (they may affect them).
func TestFilter(t *testing.T) {
	f := newFilter(options{Products: []string{"google compute engine", "UwaYoXQ5bHYHG6EdiPB8"}, Locations: []string{"us-east4"}})
	var got []string
	for _, p := range []string{"testdata/outage-high-moving-locations.json", "testdata/open-no-end-2021-shape.json", "testdata/available-without-end.json"} {
		snap, err := decodeNormalize(testURL, nil, f, goldentest.Read(t, p))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range snap.Components {
			got = append(got, c.Key()+"="+c.Status.String())
		}
	}
	want := "us-east4/Google Compute Engine (us-east4)=major_outage Google Cloud Storage=degraded"
	if strings.Join(got, " ") != want {
		t.Errorf("components %v\nwant %s", got, want)
	}
}

// TestFilterKeepsOnlyCurrentLocations: a location the filter keeps that
// an open incident affected before but not now is operational, even when
// the incident's current locations are all filtered out.
func TestFilterKeepsOnlyCurrentLocations(t *testing.T) {
	f := newFilter(options{Locations: []string{"us-east1"}})
	snap, err := decodeNormalize(testURL, nil, f, goldentest.Read(t, "testdata/outage-high-moving-locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Components) != 1 || snap.Components[0].Name != "Google Compute Engine (us-east1)" || snap.Components[0].Status != upstat.Operational {
		t.Errorf("components %+v", snap.Components)
	}
}

// TestSeverityOverride: users can remap the vocabulary per vendor.
func TestSeverityOverride(t *testing.T) {
	m, err := normalizeMapper(map[string]upstat.Severity{"service_outage/high": upstat.PartialOutage})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := decodeNormalize(testURL, m, filter{}, goldentest.Read(t, "testdata/outage-high-moving-locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.Incidents[0].Severity; got != upstat.PartialOutage {
		t.Errorf("severity %v, want partial_outage", got)
	}
}
