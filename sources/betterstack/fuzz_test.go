package betterstack

import "testing"

// FuzzDecodeNormalize: any bytes either fail to decode or give a snapshot;
// nothing panics.
func FuzzDecodeNormalize(f *testing.F) {
	for _, b := range pages(f) {
		f.Add(b)
	}
	for _, s := range []string{`{}`, `{"data":null}`, `{"data":{"type":"status_page"}}`,
		`{"data":{"type":"status_page"},"included":[{"type":"status_report","attributes":{"aggregate_state":"resolved","report_type":"maintenance"}}]}`,
		`{"data":{"type":"status_page"},"included":[{"type":"status_update","id":1,"attributes":{"status_report_id":1}},{"type":"status_report","id":"1"}]}`,
		`{"data":{"type":"status_page"},"included":[{"type":"status_page_resource","attributes":{"status_page_section_id":-1}}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := decodeNormalize(testPage, nil, testNow, b)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}
