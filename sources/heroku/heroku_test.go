package heroku

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

// TestWrongPayloadFails: what is not current-status fails the poll.
func TestWrongPayloadFails(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"html":       {"<html><body>Application error", "expected JSON"},
		"v3 shape":   {`{"status":{"Production":"green","Development":"green"},"issues":[]}`, "decode"},
		"statuspage": {`{"page":{"id":"x"},"components":[]}`, "no systems"},
		"array":      {`[]`, "expected a JSON object"},
		"no id":      {`{"status":[{"system":"Apps","status":"green"}],"incidents":[{"title":"x"}]}`, "no id"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := serve(t, map[string][]byte{currentPath: []byte(tc.body), incidentsPath: []byte(emptyHistory)})
			snap, err := newSource(t, srv.URL, nil).Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %+v, %v; want an error containing %q", snap, err, tc.want)
			}
		})
	}
}

// TestConditionalGetAfterCommit: validators are sent only after commit.
func TestConditionalGetAfterCommit(t *testing.T) {
	body := goldentest.Read(t, "testdata/open-colours-current.json")
	var conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == incidentsPath {
			_, _ = w.Write([]byte(emptyHistory))
			return
		}
		if r.Header.Get("If-None-Match") == `W/"h1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `W/"h1"`)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	src := newSource(t, srv.URL+"/api/v4/current-status", nil)
	snap, err := src.Poll(t.Context())
	if err != nil || snap.NotModified || conditional.Load() != 0 {
		t.Fatalf("first: %+v, %v", snap, err)
	}
	snap.Commit()
	if snap, err = src.Poll(t.Context()); err != nil || !snap.NotModified || conditional.Load() != 1 {
		t.Fatalf("after commit: %+v, %v, %d conditional", snap, err, conditional.Load())
	}
}

// TestIncidentsFailureKeepsCurrent: unreadable incidents are not a failed
// poll, but the snapshot says so (vanished incidents then stay open).
func TestIncidentsFailureKeepsCurrent(t *testing.T) {
	cur := goldentest.Read(t, "testdata/open-colours-current.json")
	for name, hist := range map[string][]byte{"500": nil, "html": []byte("<html>x</html>"), "object": []byte(`{"x":[]}`), "missing": []byte("absent")} {
		t.Run(name, func(t *testing.T) {
			bodies := map[string][]byte{currentPath: cur, incidentsPath: hist}
			if name == "missing" {
				delete(bodies, incidentsPath)
			}
			snap, err := newSource(t, serve(t, bodies).URL, nil).Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if snap.HistoryErr == "" || len(snap.Incidents) != 1 || !snap.Incidents[0].Active() {
				t.Fatalf("history err %q, incidents %+v", snap.HistoryErr, snap.Incidents)
			}
		})
	}
}

func TestNoOptions(t *testing.T) {
	_, err := New(sources.Spec{Kind: Kind, URL: "https://status.heroku.com", Decode: goldentest.Options(`{"systems":["Apps"]}`)}, goldentest.Env(fixedNow))
	if err == nil || !strings.Contains(err.Error(), "systems") {
		t.Fatalf("unknown option: %v", err)
	}
}

func TestWindow(t *testing.T) {
	announced := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)
	for text, want := range map[string]string{
		"Update on Monday, January 4 at 23:30 UTC, until 00:15 UTC":   "2027-01-04T23:30:00Z 2027-01-05T00:15:00Z",
		"On December 22, 2026, at 10:00 UTC (05:00 EST) (45 minutes)": "2026-12-22T10:00:00Z 2026-12-22T10:45:00Z",
		"maintenance on december 21 from 9:00 UTC":                    "2026-12-21T09:00:00Z 0001-01-01T00:00:00Z",
	} {
		from, until, ok := window(text, announced)
		if got := from.Format(time.RFC3339) + " " + until.Format(time.RFC3339); !ok || got != want {
			t.Errorf("%q: %s (ok %v), want %s", text, got, ok, want)
		}
	}
	if _, _, ok := window("Maintenance next week", announced); ok {
		t.Error("a window read from text without a date")
	}
}
