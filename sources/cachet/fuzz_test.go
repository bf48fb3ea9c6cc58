package cachet

import "testing"

// FuzzDecodeNormalize: any components and incidents bodies either fail
// to decode or give a snapshot; nothing panics.
func FuzzDecodeNormalize(f *testing.F) {
	for _, in := range instances(f) {
		f.Add(in.docs.components[0], in.docs.incidents)
	}
	for _, s := range [][2]string{
		{`{"data":[]}`, `{"data":[{"status":"0","updates":[{"status":9}]}]}`},
		{`{"data":[{"id":null,"group_id":null}]}`, `{"data":[{"latest_status":4,"updates":null}]}`},
		{`{"data":null}`, `{"data":[]}`},
		{`{"data":[{"updated_at":1438430400}]}`, `{"data":[{"created_at":"2015-08-01 12:00"}]}`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, components, incidents []byte) {
		snap, err := decodeNormalize(testBase, testZone, nil, documents{components: [][]byte{components}, incidents: incidents})
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}
