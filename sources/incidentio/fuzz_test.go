package incidentio

import (
	"fmt"
	"strings"
	"testing"

	"github.com/upstat/upstat/sources/goldentest"
)

// FuzzDecodeNormalize: any bytes either fail to decode or give a snapshot;
// nothing panics.
func FuzzDecodeNormalize(f *testing.F) {
	for _, p := range fixtures(f) {
		f.Add(goldentest.Read(f, p))
	}
	for _, s := range []string{`{}`, `[]`, `null`, `{"summary":null}`, `{"summary":{}}`,
		`{"summary":{"structure":{"items":[{"group":null,"component":null}]}}}`,
		`{"summary":{"ongoing_incidents":[{"updates":[{"message":12}]}]}}`,
		`{"page_title":"x","ongoing_incidents":[{"url":"//"}]}`,
		`{"summary":{"scheduled_maintenances":[{"scheduled_start_at":"yesterday"}]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := decodeNormalize(testPage, nil, testNow, b)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}

// largePage builds a proxy document of 300 components in 10 groups, 30
// of them affected, with 3 ongoing incidents of 8 updates each.
func largePage() []byte {
	var b strings.Builder
	b.WriteString(`{"summary":{"name":"Big","public_url":"https://status.big.example","components":[`)
	for i := range 300 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"01JQC%021d","name":"Component %d","description":null}`, i, i)
	}
	b.WriteString(`],"affected_components":[`)
	for i := range 30 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"component_id":"01JQC%021d","status":"partial_outage"}`, i*10)
	}
	b.WriteString(`],"ongoing_incidents":[`)
	for i := range 3 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"01JQI%021d","name":"Incident %d","status":"identified","published_at":"2026-03-04T1%d:00:00Z","component_impacts":[{"component_id":"01JQC%021d","status":"full_outage","start_at":"2026-03-04T10:00:00Z","end_at":null}],"updates":[`, i, i, i, i*10)
		for u := range 8 {
			if u > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"01JQU%018d%03d","message_string":"Update %d of incident %d: still working on it.","published_at":"2026-03-04T1%d:%02d:00Z","to_status":"identified"}`, i, u, u, i, i, u*5)
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`],"scheduled_maintenances":null,"structure":{"items":[`)
	for g := range 10 {
		if g > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"group":{"id":"g%d","name":"Group %d","hidden":false,"components":[`, g, g)
		for l := range 30 {
			if l > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"component_id":"01JQC%021d","hidden":false}`, g*30+l)
		}
		b.WriteString(`]}}`)
	}
	b.WriteString(`]}}}`)
	return []byte(b.String())
}

// BenchmarkDecodeNormalizePage300 is decode + normalise of a 300-component
// incident.io page (issue 11's acceptance figure).
func BenchmarkDecodeNormalizePage300(b *testing.B) {
	body := largePage()
	snap, err := decodeNormalize(testPage, nil, testNow, body)
	if err != nil || len(snap.Components) != 300 || len(snap.Incidents) != 3 {
		b.Fatalf("large page: %v components, err %v", len(snap.Components), err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeNormalize(testPage, nil, testNow, body); err != nil {
			b.Fatal(err)
		}
	}
}
