package slack

import (
	"testing"
	"time"

	"github.com/upstat/upstat/sources/goldentest"
)

var fixedNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// FuzzDecodeSlack: any current body (with an empty history, and as a
// history with an ok current) gives an error or a snapshot, never a panic
// or a nil snapshot without an error.
func FuzzDecodeSlack(f *testing.F) {
	for _, p := range goldentest.Fixtures(f, "testdata", ".json", 5) {
		f.Add(goldentest.Read(f, p))
	}
	for _, s := range []string{`{}`, `[]`, `null`, `{"status":"ok","active_incidents":null}`,
		`{"status":"x","active_incidents":[{"id":1.5e3,"date_created":"2026-01-01T00:00:00-08:00","notes":[{}]}]}`,
		`[{"id":"","date_created":"2026-01-01T00:00:00Z"}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, docs := range [][2][]byte{{b, []byte(emptyHistory)}, {[]byte(okCurrent), b}} {
			snap, err := decodeNormalize(nil, docs[0], docs[1])
			if err == nil && snap == nil {
				t.Fatal("nil snapshot without an error")
			}
		}
	})
}
