// Package alertmanager is the "alertmanager" notifier: it posts alerts to a
// Prometheus Alertmanager (API v2) so a team's existing routing, silences,
// inhibitions and receivers take over. Like Prometheus, it re-sends a
// firing alert every resend_interval with endsAt a few intervals ahead,
// and sends endsAt = the resolution time when it resolves.
package alertmanager

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/upstat/upstat/alert"
)

func init() {
	alert.Register(alert.Kind{Name: "alertmanager", New: New, Summary: "post alerts to Prometheus Alertmanager (API v2)"})
}

// DefaultResendInterval is how often a firing alert is re-sent.
const DefaultResendInterval = time.Minute

// Options are the alertmanager notifier's keys.
type Options struct {
	// URL is Alertmanager's base URL (http://alertmanager:9093); it may
	// carry basic-auth credentials, so it is treated as a secret.
	URL            alert.Secret  `yaml:"url"`
	BearerToken    alert.Secret  `yaml:"bearer_token"`
	ResendInterval time.Duration `yaml:"resend_interval"`
	// GeneratorURL is upstat's external URL; alerts link to its vendor page.
	GeneratorURL string `yaml:"generator_url"`
}

// Alertmanager posts to /api/v2/alerts.
type Alertmanager struct {
	opts   Options
	client *http.Client
	now    func() time.Time
}

var (
	_ alert.Notifier  = (*Alertmanager)(nil)
	_ alert.Refresher = (*Alertmanager)(nil)
)

// New builds an alertmanager notifier. Errors wrap upstat.ErrInvalid.
func New(spec alert.NotifierSpec, env alert.Env) (alert.Notifier, error) {
	o, err := alert.DecodeOptions[Options](spec)
	if err != nil {
		return nil, err
	}
	if err := alert.CheckURL(spec, "url", o.URL.Reveal()); err != nil {
		return nil, err
	}
	if o.ResendInterval <= 0 {
		o.ResendInterval = DefaultResendInterval
	}
	o.URL = alert.Secret(strings.TrimSuffix(o.URL.Reveal(), "/"))
	o.GeneratorURL = strings.TrimSuffix(o.GeneratorURL, "/")
	return &Alertmanager{opts: o, client: env.Client, now: env.Now}, nil
}

// RefreshInterval implements alert.Refresher.
func (a *Alertmanager) RefreshInterval() time.Duration { return a.opts.ResendInterval }

// Alert is one element of the POST /api/v2/alerts body.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Format builds the alert for n at now. Its labels identify the alert for
// its whole life (rule labels, then alertname, vendor, component); the
// severity, which may change while it fires, is an annotation.
func Format(n alert.Notification, now time.Time, resend time.Duration, generator string) Alert {
	labels := map[string]string{}
	for k, v := range n.Alert.Labels {
		labels[k] = v
	}
	labels["alertname"], labels["vendor"] = n.Alert.Rule, n.Alert.Vendor
	if n.Alert.Component != "" {
		labels["component"] = n.Alert.Component
	}
	ann := map[string]string{"summary": n.Title(), "upstat_severity": n.Alert.Severity.String()}
	var desc []string
	for _, f := range n.Facts() {
		desc = append(desc, f.Name+": "+f.Value)
	}
	ann["description"] = strings.Join(desc, "\n")
	if inc := n.Incident; inc != nil {
		ann["incident_title"], ann["incident_url"] = inc.Title, inc.URL
	}
	a := Alert{Labels: labels, Annotations: ann, StartsAt: n.Alert.FiredAt.UTC(), EndsAt: now.UTC().Add(4 * resend)}
	if n.ResolvedAt != nil {
		a.EndsAt = n.ResolvedAt.UTC()
	}
	if generator != "" {
		a.GeneratorURL = generator + "/vendors/" + n.Alert.Vendor
	}
	return a
}

// Notify implements alert.Notifier.
func (a *Alertmanager) Notify(ctx context.Context, n alert.Notification) (bool, error) {
	h := http.Header{}
	if a.opts.BearerToken != "" {
		h.Set("Authorization", "Bearer "+a.opts.BearerToken.Reveal())
	}
	body := []Alert{Format(n, a.now(), a.opts.ResendInterval, a.opts.GeneratorURL)}
	retry, err := alert.PostJSON(ctx, a.client, a.opts.URL.Reveal()+"/api/v2/alerts", h, body, a.opts.URL.Reveal(), a.opts.BearerToken.Reveal())
	if err != nil {
		return retry, fmt.Errorf("alertmanager: %w", err)
	}
	return false, nil
}
