package goldentest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat/sources"
)

// Env returns an adapter environment for tests against httptest: a
// fetcher without retries, default severity tables, a fixed clock.
func Env(now time.Time) sources.Env {
	env := NoClockEnv()
	env.Now = func() time.Time { return now }
	return env
}

// NoClockEnv returns Env without a clock, for the kinds whose snapshots
// do not depend on one: the adapter's default applies.
func NoClockEnv() sources.Env {
	return sources.Env{Fetcher: sources.NewFetcher(sources.FetchOptions{Retries: -1, Timeout: 5 * time.Second})}
}

// Options returns a spec Decode function that decodes the JSON object js
// strictly (an unknown field is an error), as config's YAML decoding is.
func Options(js string) func(any) error {
	return func(v any) error {
		d := json.NewDecoder(strings.NewReader(js))
		d.DisallowUnknownFields()
		return d.Decode(v)
	}
}

// Serve starts an httptest server answering each path of bodies with its
// body and content type ctype; a nil body is a 500, another path a 404.
// It is closed when t ends.
func Serve(t testing.TB, ctype string, bodies map[string][]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if b == nil {
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}
