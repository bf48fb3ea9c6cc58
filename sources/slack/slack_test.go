package slack

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

// TestHistoryFailureKeepsCurrent: a failing history is not a failed poll,
// but the snapshot says the history could not be read.
func TestHistoryFailureKeepsCurrent(t *testing.T) {
	cur := goldentest.Read(t, "testdata/outage-numeric-id-pacific-current.json")
	for name, hist := range map[string][]byte{"500": nil, "html": []byte("<html>maintenance</html>"), "object": []byte(`{"x":1}`)} {
		t.Run(name, func(t *testing.T) {
			srv := serve(t, map[string][]byte{currentPath: cur, historyPath: hist})
			snap, err := newSource(t, srv.URL+"/api/v2.0.0/current").Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if snap.HistoryErr == "" || len(snap.Incidents) != 1 || !snap.Incidents[0].Active() {
				t.Fatalf("history err %q, incidents %+v", snap.HistoryErr, snap.Incidents)
			}
		})
	}
}

// TestWrongCurrentFails: a current that is not Slack's fails the poll.
func TestWrongCurrentFails(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"html":       {"<!DOCTYPE html><title>Slack</title>", "expected JSON"},
		"statuspage": {`{"page":{"id":"x"},"status":{"indicator":"none"}}`, "decode"},
		"other":      {`{"page":{"id":"x"}}`, "no status or active_incidents"},
		"array":      {`[]`, "expected a JSON object"},
		"no id":      {`{"status":"active","active_incidents":[{"title":"x"}]}`, "no id"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := serve(t, map[string][]byte{currentPath: []byte(tc.body), historyPath: []byte(emptyHistory)})
			snap, err := newSource(t, srv.URL).Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %+v, %v; want an error containing %q", snap, err, tc.want)
			}
		})
	}
}

// TestConditionalGetAfterCommit: validators and kept bodies are used only
// once committed; a 304 on one document and a change in the other still
// gives a whole snapshot.
func TestConditionalGetAfterCommit(t *testing.T) {
	cur := goldentest.Read(t, "testdata/outage-numeric-id-pacific-current.json")
	var hist atomic.Value
	hist.Store([]byte(emptyHistory))
	var conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == currentPath {
			if r.Header.Get("If-None-Match") == `"c1"` {
				conditional.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"c1"`)
			_, _ = w.Write(cur)
			return
		}
		_, _ = w.Write(hist.Load().([]byte))
	}))
	defer srv.Close()
	src := newSource(t, srv.URL)
	snap, err := src.Poll(t.Context())
	if err != nil || snap.NotModified {
		t.Fatalf("first: %+v, %v", snap, err)
	}
	if conditional.Load() != 0 {
		t.Fatal("conditional request before any commit")
	}
	snap.Commit()
	if snap, err = src.Poll(t.Context()); err != nil || !snap.NotModified || conditional.Load() != 1 {
		t.Fatalf("unchanged: %+v, %v, %d conditional", snap, err, conditional.Load())
	}
	hist.Store(goldentest.Read(t, "testdata/canceled-cancelled-resolved-history.json"))
	if snap, err = src.Poll(t.Context()); err != nil || snap.NotModified {
		t.Fatalf("history changed: %+v, %v", snap, err)
	}
	var msg *upstat.Incident
	for i := range snap.Incidents {
		if snap.Incidents[i].ID == "2184" {
			msg = &snap.Incidents[i]
		}
	}
	// current (304, kept body) still lists 2184 as active, but history's
	// resolution is newer: it wins.
	if msg == nil || msg.Status != upstat.StateResolved || len(snap.Incidents) != 5 {
		t.Fatalf("incidents %+v", snap.Incidents)
	}
}

func TestNoOptions(t *testing.T) {
	_, err := New(sources.Spec{Kind: Kind, URL: "https://slack-status.com", Decode: goldentest.Options(`{"services":["x"]}`)}, goldentest.Env(fixedNow))
	if err == nil || !strings.Contains(err.Error(), "services") {
		t.Fatalf("unknown option: %v", err)
	}
}

func TestText(t *testing.T) {
	got := text("<p>We&#39;ve found it.</p>\r\n<p>Please <b>refresh</b>.<br/>Thanks &amp; sorry</p>")
	if want := "We've found it.\n\nPlease refresh.\nThanks & sorry"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}
