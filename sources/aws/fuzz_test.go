package aws

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

func specFor(u, opts string) sources.Spec {
	return sources.Spec{Kind: Kind, URL: u, Vendor: "aws", Decode: goldentest.Options(opts)}
}

// FuzzDecodeAWS: any bytes give an error or a snapshot, never a panic or
// a nil snapshot without an error.
func FuzzDecodeAWS(f *testing.F) {
	for _, p := range goldentest.Fixtures(f, "testdata", ".json", 4) {
		f.Add(goldentest.Read(f, p))
	}
	for _, s := range []string{`{}`, `null`, "\xfe\xff\x00[", "\xff\xfe[\x00", `[{"arn":"a","date":1,"status":null,"impacted_services":{"x":{}}}]`,
		`[{"arn":"a:b:c:d:e","date":"1","event_log":[{"timestamp":"9"}]}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := decodeNormalize(nil, filter{}, b)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}

// hundredEvents builds a currentevents document with 100 open events of
// 3 log entries and 4 impacted services each, UTF-16BE with a BOM as AWS
// serves it.
func hundredEvents(tb testing.TB) []byte {
	tb.Helper()
	type obj = map[string]any
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "me-central-1"}
	var evs []obj
	for n := range 100 {
		region := regions[n%len(regions)]
		t0 := 1764500000 + n*600
		var log []obj
		for l := range 3 {
			log = append(log, obj{"summary": "Increased Error Rates", "message": "We are investigating increased error rates for some services in the region. We will provide another update shortly.", "status": 2, "timestamp": t0 + l*900})
		}
		impacted, changes := obj{}, []obj{}
		for s := range 4 {
			key := fmt.Sprintf("svc%d-%s", (n+s)%60, region)
			impacted[key] = obj{"service_name": fmt.Sprintf("Service %d", (n+s)%60), "current": "2", "max": "3"}
			changes = append(changes, obj{"service": key, "service_name": "Service", "previous_status": "0", "current_status": "2", "timestamp": t0})
		}
		evs = append(evs, obj{"date": fmt.Sprint(t0), "arn": fmt.Sprintf("arn:aws:health:%s::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/E%06d", region, n),
			"region_name": "Region", "status": "2", "service": "multipleservices-" + region, "service_name": "Multiple services", "summary": "Increased Error Rates",
			"event_log": log, "impacted_services": impacted, "impacted_service_status_changes": changes})
	}
	b, err := json.Marshal(evs)
	if err != nil {
		tb.Fatal(err)
	}
	out := []byte{0xfe, 0xff}
	for _, r := range string(b) { // ASCII only: one UTF-16 unit each
		out = append(out, byte(r>>8), byte(r))
	}
	return out
}

func TestHundredEvents(t *testing.T) {
	snap, err := decodeNormalize(nil, filter{}, hundredEvents(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Incidents) != 100 || len(snap.Components) != 5*60 && len(snap.Components) < 100 {
		t.Errorf("%d incidents, %d components", len(snap.Incidents), len(snap.Components))
	}
}

func BenchmarkDecodeNormalizeCurrentEvents(b *testing.B) {
	body := hundredEvents(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeNormalize(nil, filter{}, body); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeAWSFeed: the same for the per service-region RSS feeds.
func FuzzDecodeAWSFeed(f *testing.F) {
	for _, p := range goldentest.Fixtures(f, "testdata", ".rss", 2) {
		f.Add(goldentest.Read(f, p))
	}
	for _, s := range []string{`<rss/>`, `<rss><channel><item><guid>#a-us-east-1_123456789</guid><title>:</title></item></channel></rss>`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := buildFeed(nil, filter{}, b)
		if err == nil && snap == nil {
			t.Fatal("nil snapshot without an error")
		}
	})
}
