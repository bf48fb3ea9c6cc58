package sources

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// The cache keeps a body between polls only while its result can expire
// (then a 304 needs it to parse again); otherwise a digest is enough.
func TestBodyCacheKeepsTheBodyOnlyWhileItCanExpire(t *testing.T) {
	const body = "<feed>an entry</feed>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	env := Env{Fetcher: fastFetcher(FetchOptions{}), Now: func() time.Time { return now }}
	ctx := context.Background()

	poll := func(c *BodyCache, path string, expiry time.Time) *Fetched {
		t.Helper()
		f, err := c.Fetch(ctx, env, srv.URL+path, "")
		if err != nil {
			t.Fatal(err)
		}
		if !f.NotModified {
			var snap upstat.Snapshot
			c.Store(&snap, f, expiry)
			snap.Commit()
		}
		return f
	}

	var never BodyCache
	if f := poll(&never, "/never", time.Time{}); f.NotModified || string(f.Body) != body {
		t.Fatalf("first poll: %+v", f)
	}
	if never.last != nil {
		t.Errorf("a result that cannot expire keeps its body (%d bytes)", len(never.last))
	}
	if f := poll(&never, "/never", time.Time{}); !f.NotModified {
		t.Errorf("a 304 without the body kept: want NotModified, got %+v", f)
	}

	var expiring BodyCache
	poll(&expiring, "/expiring", now.Add(time.Hour))
	now = now.Add(2 * time.Hour) // the result expired: the 304 must be parsed again
	f := poll(&expiring, "/expiring", time.Time{})
	if f.NotModified || string(f.Body) != body {
		t.Errorf("a 304 after the result expired: want the kept body to parse, got %+v", f)
	}
}
