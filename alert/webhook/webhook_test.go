package webhook

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"strings"
	"testing"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRequest(t *testing.T) {
	srv := alerttest.NewServer(t)
	for _, tc := range []struct {
		name   string
		status alert.Status
		secret string
	}{
		{"firing", alert.StatusFiring, ""},
		{"resolved", alert.StatusResolved, "s3cret-hmac-key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := "url: " + srv.URL + "/hooks/T0KEN\n"
			if tc.secret != "" {
				opts += "secret: " + tc.secret + "\n"
			}
			n := alerttest.Build(t, "webhook", opts)
			if retry, err := n.Notify(context.Background(), alerttest.Sample(tc.status)); err != nil {
				t.Fatalf("Notify: retry=%v err=%v", retry, err)
			}
			reqs := srv.Requests()
			r := reqs[len(reqs)-1]
			if r.Method != http.MethodPost || r.Path != "/hooks/T0KEN" || r.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("request %s %s %q", r.Method, r.Path, r.Header.Get("Content-Type"))
			}
			sig := r.Header.Get(SignatureHeader)
			switch {
			case tc.secret == "" && sig != "":
				t.Errorf("unsigned webhook sent %s: %q", SignatureHeader, sig)
			case tc.secret != "" && sig != Sign(tc.secret, r.Body):
				t.Errorf("%s = %q, want %q", SignatureHeader, sig, Sign(tc.secret, r.Body))
			}
			var payload struct {
				Status string          `json:"status"`
				Alert  json.RawMessage `json:"alert"`
				Vendor json.RawMessage `json:"vendor"`
			}
			if err := json.Unmarshal(r.Body, &payload); err != nil || payload.Status != string(tc.status) || payload.Alert == nil || payload.Vendor == nil {
				t.Fatalf("payload %s: %v", r.Body, err)
			}
			alerttest.Golden(t, "testdata/"+tc.name+".golden.json", r.Body, *update)
		})
	}
}

func TestSignatureIsKnownHMAC(t *testing.T) {
	// printf '{"a":1}' | openssl dgst -sha256 -hmac key
	const want = "sha256=88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342"
	if got := Sign("key", []byte(`{"a":1}`)); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestRetry(t *testing.T) {
	alerttest.CheckRetry(t, func(base string) alert.Notifier {
		return alerttest.Build(t, "webhook", "url: "+base+"/hooks/T0KEN\nsecret: hmac-s3cret\n")
	}, "T0KEN", "hmac-s3cret")
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ opts, want string }{
		{"", `notifier "test": url: required`},
		{"url: ftp://x/secretpath\n", `notifier "test": url: not an http(s) URL`},
		{"url: http://x/\nsecrett: y\n", "field secrett not found"},
	} {
		_, err := alert.NewNotifier(alerttest.Spec("test", "webhook", tc.opts), alert.Env{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secretpath") {
			t.Errorf("opts %q: err = %v, want %q", tc.opts, err, tc.want)
		}
	}
}
