package statusio

import "testing"

// FuzzDecodeNormalize: any bytes either fail to decode or give a snapshot;
// nothing panics.
func FuzzDecodeNormalize(f *testing.F) {
	for _, b := range payloads(f) {
		f.Add(b)
	}
	for _, s := range []string{`{}`, `{"result":null}`, `{"result":{"status":[]}}`,
		`{"result":{"status":[{"containers":null}],"incidents":[{"messages":[{"state":"400"}],"components_affected":[{"_id":"x"}],"containers_affected":[{"_id":"y"}]}]}}`,
		`{"result":{"status_overall":{},"maintenance":{"active":[{"messages":[{"state":400}]}],"upcoming":null}}}`,
		`{"result":{"status_overall":{"status_code":1e3}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := decodeNormalize(testHome, testPageID, nil, b)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}
