package instatus

import "testing"

// FuzzDecodeNormalize: any summary and components bytes either fail to
// decode or give a snapshot; nothing panics.
func FuzzDecodeNormalize(f *testing.F) {
	for _, c := range cases(f) {
		f.Add(c.summary, c.components)
	}
	for _, s := range [][2]string{
		{`{"page":{"status":"UP"}}`, `[{"isParent":true,"children":[{"isParent":true,"children":null}]}]`},
		{`{"page":{"status":"X"},"activeMaintenances":[{"duration":"-5","start":""}]}`, `{"components":[{"group":{}}]}`},
		{`{"page":null}`, `null`},
		{`{"page":{"status":"UP"},"activeIncidents":[{"started":12}]}`, `[]`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, summary, components []byte) {
		snap, err := decodeNormalize(nil, summary, components)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}
