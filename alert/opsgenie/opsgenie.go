// Package opsgenie is the "opsgenie" notifier: it creates an Opsgenie alert
// when an upstat alert fires and closes it by alias when it resolves.
package opsgenie

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
)

// DefaultURL is Opsgenie's API (EU accounts: https://api.eu.opsgenie.com).
const DefaultURL = "https://api.opsgenie.com"

func init() {
	alert.Register(alert.Kind{Name: "opsgenie", New: New, Summary: "create and close Opsgenie alerts by alias"})
}

// Options are the opsgenie notifier's keys.
type Options struct {
	APIKey alert.Secret `yaml:"api_key"`
	URL    string       `yaml:"url"`  // default DefaultURL
	Tags   []string     `yaml:"tags"` // added to every alert
}

// Opsgenie talks to the Opsgenie Alert API.
type Opsgenie struct {
	opts   Options
	client *http.Client
}

var _ alert.Notifier = (*Opsgenie)(nil)

// New builds an opsgenie notifier. Errors wrap upstat.ErrInvalid.
func New(spec alert.NotifierSpec, env alert.Env) (alert.Notifier, error) {
	o, err := alert.DecodeOptions[Options](spec)
	if err != nil {
		return nil, err
	}
	if err := alert.Required(spec, "api_key", o.APIKey); err != nil {
		return nil, err
	}
	if o.URL, err = alert.Endpoint(spec, "url", o.URL, DefaultURL); err != nil {
		return nil, err
	}
	return &Opsgenie{opts: o, client: env.Client}, nil
}

// Create is the body of POST /v2/alerts.
type Create struct {
	Message     string            `json:"message"`
	Alias       string            `json:"alias"`
	Description string            `json:"description"`
	Tags        []string          `json:"tags"`
	Details     map[string]string `json:"details"`
	Entity      string            `json:"entity"`
	Source      string            `json:"source"`
	Priority    string            `json:"priority"`
}

// Close is the body of POST /v2/alerts/{alias}/close.
type Close struct {
	Source string `json:"source"`
	Note   string `json:"note"`
}

func priority(s upstat.Severity) string {
	switch s {
	case upstat.MajorOutage:
		return "P1"
	case upstat.PartialOutage:
		return "P2"
	case upstat.Degraded, upstat.Unknown:
		return "P3"
	}
	return "P4"
}

// FormatCreate builds the create request for a firing n.
func FormatCreate(n alert.Notification, tags []string) Create {
	msg := n.Title()
	if len(msg) > 130 { // Opsgenie's limit
		msg = strings.ToValidUTF8(msg[:130], "")
	}
	details := map[string]string{}
	var desc []string
	for _, f := range n.Facts() {
		details[f.Name] = f.Value
		desc = append(desc, f.Name+": "+f.Value)
	}
	if inc := n.Incident; inc != nil && inc.URL != "" {
		details["Incident URL"] = inc.URL
		desc = append(desc, "Incident URL: "+inc.URL)
	}
	return Create{
		Message: msg, Alias: n.Key, Description: strings.Join(desc, "\n"),
		Tags:    append([]string{"upstat", n.Alert.Vendor, n.Alert.Rule}, tags...),
		Details: details, Entity: n.Alert.Vendor, Source: "upstat", Priority: priority(n.Alert.Severity),
	}
}

// Notify implements alert.Notifier.
func (o *Opsgenie) Notify(ctx context.Context, n alert.Notification) (bool, error) {
	key := o.opts.APIKey.Reveal()
	h := http.Header{"Authorization": {"GenieKey " + key}}
	var target string
	var body any
	if n.Status == alert.StatusResolved {
		target = o.opts.URL + "/v2/alerts/" + url.PathEscape(n.Key) + "/close?identifierType=alias"
		note := "Resolved"
		if n.ResolvedAt != nil {
			note += " at " + n.ResolvedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		body = Close{Source: "upstat", Note: note}
	} else {
		target, body = o.opts.URL+"/v2/alerts", FormatCreate(n, o.opts.Tags)
	}
	retry, err := alert.PostJSON(ctx, o.client, target, h, body, key)
	if err != nil {
		return retry, fmt.Errorf("opsgenie: %w", err)
	}
	return false, nil
}
