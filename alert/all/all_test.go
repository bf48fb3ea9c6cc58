package all

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

func TestKindsRegistered(t *testing.T) {
	want := []string{"alertmanager", "email", "opsgenie", "pagerduty", "slack", "teams", "webhook"}
	if got := alert.KindNames(); !slices.Equal(got, want) {
		t.Fatalf("KindNames = %q, want %q", got, want)
	}
}

type reader struct {
	upstat.Reader
	v []upstat.Vendor
}

func (r *reader) Vendors(context.Context) ([]upstat.Vendor, error) { return r.v, nil }

// TestNoSecretLeaks runs every notifier against receivers that fail and
// echo what they were sent, then searches the logs, the alerts API data,
// the outbox's errors and /metrics for any configured secret.
func TestNoSecretLeaks(t *testing.T) {
	secrets := []string{"WEBHOOKPATHSECRET", "SECRETQUERY456", "T0SECRET", "hmac-key-secret", "SLACKPATHSECRET", "pd-routing-key-secret",
		"genie-api-key-secret", "am-bearer-secret", "smtp-password-secret"}
	srv := alerttest.NewServer(t)
	srv.Respond(http.StatusInternalServerError, `{"path":"{path}","uri":"{uri}","got":{body}}`)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	smtpPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	specs := []alert.NotifierSpec{
		alerttest.Spec("hook", "webhook", "url: "+srv.URL+"/WEBHOOKPATHSECRET?key=SECRETQUERY456\nsecret: hmac-key-secret\n"),
		alerttest.Spec("chat", "slack", "url: "+srv.URL+"/services/T0SECRET/SLACKPATHSECRET\n"),
		alerttest.Spec("page", "pagerduty", "routing_key: pd-routing-key-secret\nurl: "+srv.URL+"\n"),
		alerttest.Spec("genie", "opsgenie", "api_key: genie-api-key-secret\nurl: "+srv.URL+"\n"),
		alerttest.Spec("am", "alertmanager", "url: "+srv.URL+"\nbearer_token: am-bearer-secret\n"),
		alerttest.Spec("mail", "email", "host: 127.0.0.1\nport: "+strconv.Itoa(smtpPort)+
			"\nusername: u\npassword: smtp-password-secret\nfrom: a@example.com\nto: [b@example.com]\n"),
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	notifiers, err := alert.NewNotifiers(specs, alert.Env{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	reg := prometheus.NewRegistry()
	eng, err := alert.New(alert.Options{
		Store: alert.NewMemStore(), Notifiers: notifiers, Now: func() time.Time { return now }, Log: log, Registry: reg,
		Reader: &reader{v: []upstat.Vendor{{VendorSummary: upstat.VendorSummary{ID: "stripe", Name: "Stripe", Status: upstat.MajorOutage}}}},
		Rules:  []alert.RuleConfig{{Name: "down", Notify: []string{"hook", "chat", "page", "genie", "am", "mail"}}},
		Retry:  alert.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := eng.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if n, err := eng.Deliver(ctx); err != nil || n != len(specs) {
			t.Fatalf("Deliver = %d, %v; want %d attempts", n, err, len(specs))
		}
		now = now.Add(time.Minute)
	}
	failed, err := eng.FailedDeliveries(ctx, 100)
	if err != nil || len(failed) != len(specs) {
		t.Fatalf("FailedDeliveries = %d, %v", len(failed), err)
	}
	firing, _ := eng.Firing(ctx)
	apiJSON, _ := json.Marshal(map[string]any{"alerts": firing, "failed": failed})
	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer metrics.Close()
	resp, err := http.Get(metrics.URL)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(text), `upstat_notifications_total{notifier="page",result="failed"} 1`) {
		t.Fatalf("metrics lack the delivery counter:\n%s", text)
	}
	if len(srv.Requests()) == 0 || !strings.Contains(logs.String(), "notification failed") {
		t.Fatalf("nothing was attempted: %s", logs.String())
	}
	for _, where := range []struct{ name, text string }{{"logs", logs.String()}, {"api", string(apiJSON)}, {"metrics", string(text)}} {
		for _, s := range secrets {
			if strings.Contains(where.text, s) {
				t.Errorf("%s contain the secret %q:\n%s", where.name, s, where.text)
			}
		}
	}
}

func TestSendTest(t *testing.T) {
	srv := alerttest.NewServer(t)
	n, err := alert.NewNotifier(alerttest.Spec("page", "pagerduty", "routing_key: k-secret\nurl: "+srv.URL+"\n"), alert.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if err := alert.SendTest(context.Background(), n); err != nil {
		t.Fatalf("SendTest: %v", err)
	}
	var actions []string
	for _, r := range srv.Requests() {
		var ev struct {
			Action string `json:"event_action"`
		}
		_ = json.Unmarshal(r.Body, &ev)
		actions = append(actions, ev.Action)
	}
	if !slices.Equal(actions, []string{"trigger", "resolve"}) {
		t.Fatalf("SendTest sent %q, want trigger then resolve", actions)
	}
	srv.Respond(http.StatusBadRequest, "routing key k-secret is invalid")
	err = alert.SendTest(context.Background(), n)
	if err == nil || !strings.Contains(err.Error(), "alert test: firing: pagerduty: http 400") || strings.Contains(err.Error(), "k-secret") {
		t.Fatalf("SendTest against a 400 = %v", err)
	}
}
