package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

// FuzzParseIncidentQuery checks that any query either parses into a filter
// within the documented bounds or fails with a 400 naming a parameter.
func FuzzParseIncidentQuery(f *testing.F) {
	for _, seed := range []string{
		"",
		"vendor=github&state=active&min_severity=degraded&limit=10",
		"since=2024-05-01T00:00:00Z&until=2024-05-02T00:00:00%2B02:00",
		"cursor=" + encodeIncidentCursor(&upstat.IncidentCursor{StartedAt: testNow, ID: "github:abc"}),
		"limit=501&state=open",
		"vendor=a&vendor=b",
		"%zz&limit=%",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // net/http answers these before us
		}
		fl, err := parseIncidentQuery(q)
		if err != nil {
			if !errors.Is(err, upstat.ErrInvalid) || !strings.HasPrefix(err.Error(), "invalid parameter \"") {
				t.Fatalf("error %q does not name a parameter as a 400", err)
			}
			return
		}
		if fl.Limit < 1 || fl.Limit > maxIncidentLimit {
			t.Fatalf("limit %d out of bounds", fl.Limit)
		}
		if fl.Vendor != "" && !validVendorID(fl.Vendor) {
			t.Fatalf("vendor %q accepted", fl.Vendor)
		}
		if fl.Since != nil && fl.Until != nil && !fl.Until.After(*fl.Since) {
			t.Fatalf("until %v not after since %v", fl.Until, fl.Since)
		}
		if fl.After != nil {
			again, err := decodeIncidentCursor(encodeIncidentCursor(fl.After))
			if err != nil || again.ID != fl.After.ID || !again.StartedAt.Equal(fl.After.StartedAt) {
				t.Fatalf("cursor %+v does not round-trip: %+v, %v", fl.After, again, err)
			}
		}
	})
}

// FuzzDecodeEventCursor checks that event cursors decode only to valid
// positions and that every position round-trips.
func FuzzDecodeEventCursor(f *testing.F) {
	f.Add(encodeEventCursor(0))
	f.Add(encodeEventCursor(42))
	f.Add("ZTF8LTE")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		seq, err := decodeEventCursor("since", s)
		if err != nil {
			if !errors.Is(err, upstat.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if seq < 0 {
			t.Fatalf("negative position %d", seq)
		}
		if back, err := decodeEventCursor("since", encodeEventCursor(seq)); err != nil || back != seq {
			t.Fatalf("position %d does not round-trip: %d, %v", seq, back, err)
		}
	})
}

// FuzzRequest sends any query (and any id in the path) to every read
// endpoint through the whole middleware stack: the answer is never a 5xx
// (bad input is the client's error, not the server's) and always JSON,
// but for the redirects of ServeMux's path cleaning.
func FuzzRequest(f *testing.F) {
	for _, seed := range []struct {
		route   uint8
		id, qry string
	}{
		{0, "", ""},
		{1, "github", ""},
		{2, "", "vendor=github&limit=2&state=active"},
		{3, "github:abc123", ""},
		{4, "", "since=" + encodeEventCursor(2) + "&limit=1"},
		{2, "", "limit=1&cursor=" + encodeIncidentCursor(&upstat.IncidentCursor{StartedAt: testNow, ID: "github:abc123"})},
		{1, "../../etc", "token=x"},
		{4, "", "since=%zz"},
		{2, "", strings.Repeat("x", MaxQueryBytes+1)},
	} {
		f.Add(seed.route, seed.id, seed.qry)
	}
	s, _ := newTestServer(f, eventReader(4), func(o *Options) { o.Log = slog.New(slog.DiscardHandler) })
	h := s.Handler()
	routes := []string{"/api/v1/summary", "/api/v1/vendors/", "/api/v1/incidents", "/api/v1/incidents/", "/api/v1/events", "/api/v1/alerts"}
	f.Fuzz(func(t *testing.T, route uint8, id, rawQuery string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = routes[int(route)%len(routes)]
		if strings.HasSuffix(req.URL.Path, "/") {
			req.URL.Path += id
		}
		req.URL.RawQuery = rawQuery
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("GET %s?%s = %d: %s", req.URL.Path, rawQuery, rec.Code, rec.Body)
		case rec.Code >= 300 && rec.Code < 400: // ServeMux cleaning a path
			if rec.Header().Get("Location") == "" {
				t.Fatalf("GET %s = %d without Location", req.URL.Path, rec.Code)
			}
			return
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("GET %s?%s = %d %q, not JSON: %.200s", req.URL.Path, rawQuery, rec.Code, ct, rec.Body)
		}
	})
}
