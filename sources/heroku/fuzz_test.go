package heroku

import (
	"testing"

	"github.com/upstat/upstat/sources/goldentest"
)

// FuzzDecodeHeroku: any bytes (as current-status, and as incidents with
// a green current-status) give an error or a snapshot, never a panic
// or a nil snapshot without an error.
func FuzzDecodeHeroku(f *testing.F) {
	for _, p := range goldentest.Fixtures(f, "testdata", ".json", 5) {
		f.Add(goldentest.Read(f, p))
	}
	for _, s := range []string{`{}`, `[]`, `{"status":[]}`, `{"status":[{}],"incidents":null,"scheduled":[{"id":1,"created_at":"2026-01-01T00:00:00Z","title":"on May 40 at 99:99 UTC until 77:00 UTC"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, docs := range [][2][]byte{{b, []byte(emptyHistory)}, {[]byte(greenCurrent), b}} {
			snap, err := decodeNormalize(nil, fixedNow, docs[0], docs[1])
			if err == nil && snap == nil {
				t.Fatal("nil snapshot without an error")
			}
		}
	})
}
