package aws

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources/goldentest"
)

// TestConditionalGetAfterCommit: validators are sent only once the
// snapshot was committed; then a 304 is NotModified.
func TestConditionalGetAfterCommit(t *testing.T) {
	body := goldentest.Read(t, "testdata/numeric-status-utf16le.json")
	var conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-Modified-Since") != "" {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	src := newSource(t, srv.URL, nil)
	snap, err := src.Poll(t.Context())
	if err != nil || snap.NotModified {
		t.Fatalf("first poll: %+v, %v", snap, err)
	}
	if snap, err = src.Poll(t.Context()); err != nil || snap.NotModified || conditional.Load() != 0 {
		t.Fatalf("second poll before commit: %+v, %v, %d conditional", snap, err, conditional.Load())
	}
	snap.Commit()
	if snap, err = src.Poll(t.Context()); err != nil || !snap.NotModified || conditional.Load() != 1 {
		t.Fatalf("after commit: %+v, %v, %d conditional", snap, err, conditional.Load())
	}
}

// TestEndedEventServicesRecover: once an event leaves currentevents, its
// services are reported operational instead of vanishing, and only after
// the snapshot that listed them was recorded.
func TestEndedEventServicesRecover(t *testing.T) {
	var body atomic.Value
	body.Store(goldentest.Read(t, "testdata/numeric-status-utf16le.json"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(body.Load().([]byte))
	}))
	defer srv.Close()
	src := newSource(t, srv.URL+"/public/currentevents", nil)
	snap, err := src.Poll(t.Context())
	if err != nil || len(snap.Components) != 1 || snap.Components[0].Status != upstat.Degraded {
		t.Fatalf("open event: %+v, %v", snap, err)
	}
	snap.Commit()
	body.Store([]byte("[]"))
	snap, err = src.Poll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Components) != 1 || snap.Components[0].Name != "Amazon Elastic Compute Cloud (us-east-1)" || snap.Components[0].Status != upstat.Operational {
		t.Fatalf("after the event ended: %+v", snap.Components)
	}
	if len(snap.Incidents) != 0 || !snap.ListsAllOpen {
		t.Fatalf("incidents %+v, lists all open %v", snap.Incidents, snap.ListsAllOpen)
	}
}

// TestWrongPayloadFails: what is not currentevents fails the poll.
func TestWrongPayloadFails(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"html":        {"<html><body>Service Unavailable", "expected JSON"},
		"legacy json": {`{"archive":[],"current":[]}`, "expected a JSON array"},
		"other array": {`[{"id":"x"}]`, "no arn or date"},
		"bad epoch":   {`[{"arn":"a","date":"yesterday"}]`, "epoch"},
	} {
		t.Run(name, func(t *testing.T) {
			snap, err := newSource(t, serve(t, []byte(tc.body)).URL, nil).Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %+v, %v; want an error containing %q", snap, err, tc.want)
			}
		})
	}
}

func TestOptionsStrict(t *testing.T) {
	if _, err := New(specFor("https://health.aws.amazon.com", `{"region":["us-east-1"]}`), goldentest.Env(fixedNow)); err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("unknown key: %v", err)
	}
	if s := newSource(t, "https://health.aws.amazon.com/", nil); s.doc.URL != DefaultURL {
		t.Errorf("url %q", s.doc.URL)
	}
}

// TestFilter keeps the services and regions named, by code or name.
func TestFilter(t *testing.T) {
	f := newFilter(options{Regions: []string{"Bahrain", "us-east-1"}, Services: []string{"ec2", "AWS Lambda"}})
	var got []string
	for _, p := range goldentest.Fixtures(t, "testdata", ".json", 4) {
		snap, err := decodeNormalize(nil, f, goldentest.Read(t, p))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range snap.Components {
			got = append(got, c.Key()+"="+c.Status.String())
		}
	}
	want := "me-south-1/AWS Lambda (me-south-1)=degraded me-south-1/Amazon Elastic Compute Cloud (me-south-1)=partial_outage us-east-1/Amazon Elastic Compute Cloud (us-east-1)=degraded"
	if strings.Join(got, " ") != want {
		t.Errorf("components %v\nwant %s", got, want)
	}
}

func TestSplitService(t *testing.T) {
	for key, want := range map[string]string{
		"ec2-us-east-1": "ec2|us-east-1", "s3-us-gov-west-1": "s3|us-gov-west-1", "route53": "route53|global",
		"multipleservices-me-central-1": "multipleservices|me-central-1", "elasticache-ap-southeast-2": "elasticache|ap-southeast-2",
	} {
		if s, r := splitService(key); s+"|"+r != want {
			t.Errorf("%s: %s|%s, want %s", key, s, r, want)
		}
	}
}

// TestFeedPubDateZone: without an epoch in the guid, the PDT of pubDate
// is read as −7 h (Go's own parsers would silently read it as UTC).
func TestFeedPubDateZone(t *testing.T) {
	body := `<rss version="2.0"><channel><title>Amazon Simple Storage Service (N. Virginia) Service Status</title>
<item><title>Informational message: Elevated latency</title><pubDate>Fri, 23 Aug 2019 04:18:35 PDT</pubDate><guid>x</guid><description>We are investigating.</description></item></channel></rss>`
	snap, err := buildFeed(nil, filter{}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.Incidents[0].StartedAt.Format("2006-01-02T15:04:05Z07:00"); got != "2019-08-23T11:18:35Z" {
		t.Errorf("started %s", got)
	}
}

// TestFeedWrongPayloadFails: a .rss URL answering something else fails.
func TestFeedWrongPayloadFails(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"html":    {"<html><body>Not found</body></html>", "not an AWS RSS feed"},
		"json":    {`[]`, "body starts with"},
		"undated": {`<rss><channel><item><title>Service disruption: x</title></item></channel></rss>`, "no dated guid"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			snap, err := newSource(t, srv.URL+"/rss/s3-us-east-1.rss", nil).Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %+v, %v; want an error containing %q", snap, err, tc.want)
			}
		})
	}
}

// An event whose status is back to 0 keeps the worst severity AWS gave it
// (its log and the impacted services' maximum), so a resolved outage is
// not recorded in history as an operational incident.
func TestResolvedEventKeepsItsWorstSeverity(t *testing.T) {
	ev := wireEvent{ARN: "arn:aws:health:us-east-1::event/EC2/x", Status: "0", Service: "ec2-us-east-1",
		ServiceName: "Amazon Elastic Compute Cloud", Summary: "[RESOLVED] Increased error rates",
		Log:      []wireLog{{Status: "3", Message: "We are investigating."}, {Status: "0", Message: "Resolved."}},
		Impacted: map[string]wireImpacted{"ec2": {ServiceName: "Amazon Elastic Compute Cloud", Current: "0", Max: "3"}}}
	inc := incident(nil, &ev)
	if inc.Status != upstat.StateResolved || inc.Severity != upstat.PartialOutage {
		t.Fatalf("status %v severity %v, want resolved partial_outage", inc.Status, inc.Severity)
	}
	ev.Log, ev.Impacted, ev.Status = nil, nil, "7"
	if got := incident(nil, &ev).Severity; got != upstat.Unknown {
		t.Fatalf("unknown code only: severity %v, want unknown", got)
	}
}
