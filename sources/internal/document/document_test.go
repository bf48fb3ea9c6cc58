package document

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

// TestForeignValidatorsRefetch: validators another Source left in the
// shared fetcher do not make a fresh Doc read "unchanged" with no body.
func TestForeignValidatorsRefetch(t *testing.T) {
	var full atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"e"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"e"`)
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	f := sources.NewFetcher(sources.FetchOptions{Retries: -1, Timeout: 5 * time.Second})
	first := &Doc{URL: srv.URL, Check: JSON}
	got, err := first.Get(t.Context(), f)
	if err != nil || !got.Changed {
		t.Fatalf("first: %+v, %v", got, err)
	}
	got.Commit()
	fresh := &Doc{URL: srv.URL, Check: JSON}
	if got, err = fresh.Get(t.Context(), f); err != nil || !got.Changed || string(got.Body) != "[]" || full.Load() != 2 {
		t.Fatalf("fresh doc: %+v, %v, %d full fetches", got, err, full.Load())
	}
	if got, err = first.Get(t.Context(), f); err != nil || got.Changed || string(got.Body) != "[]" {
		t.Fatalf("recorded doc: %+v, %v", got, err)
	}
}

func TestSeenAndNames(t *testing.T) {
	var s Seen
	snap := &upstat.Snapshot{Components: []upstat.Component{{Name: "EC2 (us-east-1)", Group: "us-east-1", Status: upstat.MajorOutage}}}
	s.Report(snap)
	next := &upstat.Snapshot{}
	s.Report(next)
	if len(next.Components) != 0 {
		t.Fatal("a component of an unrecorded snapshot came back")
	}
	snap.Commit()
	next = &upstat.Snapshot{}
	s.Report(next)
	if len(next.Components) != 1 || next.Components[0].Status != upstat.Operational {
		t.Fatalf("components %+v", next.Components)
	}
	if !NewNames(nil).Match("x") || !NewNames([]string{" EC2 "}).Match("", "ec2") || NewNames([]string{"s3"}).Match("ec2") {
		t.Error("Names")
	}
}

// TestPollDigestOnly: a DigestOnly Doc parses a body once it changed,
// reads a 304 or the same bytes under a new ETag as unchanged without
// keeping the body, and remembers nothing of a poll whose snapshot was
// not recorded.
func TestPollDigestOnly(t *testing.T) {
	var body, etag atomic.Value
	body.Store(`{"a":1}`)
	etag.Store(`"1"`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag.Load().(string) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag.Load().(string))
		_, _ = w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	f := sources.NewFetcher(sources.FetchOptions{Retries: -1, Timeout: 5 * time.Second})
	d := &Doc{URL: srv.URL, Check: JSON, DigestOnly: true}
	var parsed []string
	poll := func() *upstat.Snapshot {
		t.Helper()
		snap, err := d.Poll(t.Context(), f, func(b []byte) (*upstat.Snapshot, error) {
			parsed = append(parsed, string(b))
			return &upstat.Snapshot{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	if poll().NotModified {
		t.Fatal("first poll: not modified")
	}
	// Not recorded: the next poll parses again.
	snap := poll()
	if snap.NotModified || len(parsed) != 2 {
		t.Fatalf("unrecorded poll remembered: %v, parsed %q", snap.NotModified, parsed)
	}
	snap.Commit()
	if d.body != nil {
		t.Fatal("DigestOnly kept the body")
	}
	if snap = poll(); !snap.NotModified {
		t.Fatal("304 after a recorded poll: changed")
	}
	snap.Commit()
	etag.Store(`"2"`) // the same bytes under a new ETag
	if snap = poll(); !snap.NotModified {
		t.Fatal("identical body: changed")
	}
	snap.Commit()
	body.Store(`{"a":2}`)
	etag.Store(`"3"`)
	if snap = poll(); snap.NotModified || parsed[len(parsed)-1] != `{"a":2}` || len(parsed) != 3 {
		t.Fatalf("new body: not modified %v, parsed %q", snap.NotModified, parsed)
	}
}
