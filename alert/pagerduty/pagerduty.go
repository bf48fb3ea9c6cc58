// Package pagerduty is the "pagerduty" notifier: PagerDuty Events API v2
// trigger and resolve events, deduplicated by the alert's stable key.
package pagerduty

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
)

// DefaultURL is the Events API v2 endpoint.
const DefaultURL = "https://events.pagerduty.com/v2/enqueue"

func init() {
	alert.Register(alert.Kind{Name: "pagerduty", New: New, Summary: "trigger and resolve PagerDuty incidents (Events API v2)"})
}

// Options are the pagerduty notifier's keys.
type Options struct {
	RoutingKey alert.Secret `yaml:"routing_key"` // the integration key
	URL        string       `yaml:"url"`         // default DefaultURL
	Source     string       `yaml:"source"`      // payload.source; default "upstat"
}

// PagerDuty sends events to the Events API v2.
type PagerDuty struct {
	opts   Options
	client *http.Client
}

var _ alert.Notifier = (*PagerDuty)(nil)

// New builds a pagerduty notifier. Errors wrap upstat.ErrInvalid.
func New(spec alert.NotifierSpec, env alert.Env) (alert.Notifier, error) {
	o, err := alert.DecodeOptions[Options](spec)
	if err != nil {
		return nil, err
	}
	if err := alert.Required(spec, "routing_key", o.RoutingKey); err != nil {
		return nil, err
	}
	if o.URL, err = alert.Endpoint(spec, "url", o.URL, DefaultURL); err != nil {
		return nil, err
	}
	if o.Source == "" {
		o.Source = "upstat"
	}
	return &PagerDuty{opts: o, client: env.Client}, nil
}

// Event is an Events API v2 event.
type Event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"` // trigger or resolve
	DedupKey    string   `json:"dedup_key"`
	Payload     *Payload `json:"payload,omitempty"`
	Client      string   `json:"client,omitempty"`
	Links       []Link   `json:"links,omitempty"`
}

// Payload describes a triggered alert.
type Payload struct {
	Summary       string            `json:"summary"`
	Source        string            `json:"source"`
	Severity      string            `json:"severity"` // critical, error, warning or info
	Timestamp     string            `json:"timestamp,omitempty"`
	Component     string            `json:"component,omitempty"`
	Group         string            `json:"group,omitempty"`
	Class         string            `json:"class,omitempty"`
	CustomDetails map[string]string `json:"custom_details,omitempty"`
}

// Link is a link shown on the PagerDuty incident.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// severity maps upstat's scale to PagerDuty's.
func severity(s upstat.Severity) string {
	switch s {
	case upstat.MajorOutage:
		return "critical"
	case upstat.PartialOutage:
		return "error"
	case upstat.Degraded, upstat.Unknown:
		return "warning"
	}
	return "info"
}

// Format builds the event for n: a trigger, or a resolve of the same
// dedup_key.
func Format(n alert.Notification, routingKey, source string) Event {
	ev := Event{RoutingKey: routingKey, EventAction: "resolve", DedupKey: n.Key}
	if n.Status == alert.StatusResolved {
		return ev
	}
	ev.EventAction, ev.Client = "trigger", "upstat"
	details := map[string]string{}
	for _, f := range n.Facts() {
		details[f.Name] = f.Value
	}
	summary := n.Headline()
	if len(summary) > 1024 {
		summary = summary[:1024]
	}
	ev.Payload = &Payload{
		Summary: summary, Source: source, Severity: severity(n.Alert.Severity),
		Component: n.Alert.Component, Group: n.Alert.Vendor, Class: n.Alert.Rule, CustomDetails: details,
	}
	if !n.Alert.FiredAt.IsZero() {
		ev.Payload.Timestamp = n.Alert.FiredAt.UTC().Format(time.RFC3339)
	}
	if inc := n.Incident; inc != nil && inc.URL != "" {
		ev.Links = []Link{{Href: inc.URL, Text: inc.Title}}
	}
	return ev
}

// Notify implements alert.Notifier.
func (p *PagerDuty) Notify(ctx context.Context, n alert.Notification) (bool, error) {
	key := p.opts.RoutingKey.Reveal()
	retry, err := alert.PostJSON(ctx, p.client, p.opts.URL, nil, Format(n, key, p.opts.Source), key)
	if err != nil {
		return retry, fmt.Errorf("pagerduty: %w", err)
	}
	return false, nil
}
