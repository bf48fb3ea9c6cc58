// Package teams is the "teams" notifier: an Adaptive Card posted to a
// Microsoft Teams incoming webhook or Workflows ("When a Teams webhook
// request is received") URL; both accept this message shape.
package teams

import (
	"context"
	"fmt"
	"net/http"

	"github.com/upstat/upstat/alert"
)

func init() {
	alert.Register(alert.Kind{Name: "teams", New: New, Summary: "post an Adaptive Card to a Microsoft Teams webhook or workflow"})
}

// Options are the teams notifier's keys.
type Options struct {
	URL alert.Secret `yaml:"url"`
}

// Teams posts Adaptive Cards.
type Teams struct {
	url    alert.Secret
	client *http.Client
}

var _ alert.Notifier = (*Teams)(nil)

// New builds a teams notifier. Errors wrap upstat.ErrInvalid.
func New(spec alert.NotifierSpec, env alert.Env) (alert.Notifier, error) {
	o, err := alert.DecodeURLOptions(spec, func(o Options) alert.Secret { return o.URL })
	if err != nil {
		return nil, err
	}
	return &Teams{url: o.URL, client: env.Client}, nil
}

type element map[string]any

// Format builds the Teams message (an attachment holding one Adaptive
// Card) for n.
func Format(n alert.Notification) map[string]any {
	color := "attention"
	if n.Status == alert.StatusResolved {
		color = "good"
	}
	var facts []element
	for _, f := range n.Facts() {
		facts = append(facts, element{"title": f.Name, "value": f.Value})
	}
	card := element{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body": []element{
			{"type": "TextBlock", "text": n.Headline(), "weight": "bolder", "size": "medium", "color": color, "wrap": true},
			{"type": "FactSet", "facts": facts},
		},
	}
	if inc := n.Incident; inc != nil && inc.URL != "" {
		card["actions"] = []element{{"type": "Action.OpenUrl", "title": "Open incident", "url": inc.URL}}
	}
	return map[string]any{
		"type": "message",
		"attachments": []element{{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content":     card,
		}},
	}
}

// Notify implements alert.Notifier.
func (t *Teams) Notify(ctx context.Context, n alert.Notification) (bool, error) {
	retry, err := alert.PostJSON(ctx, t.client, t.url.Reveal(), nil, Format(n))
	if err != nil {
		return retry, fmt.Errorf("teams: %w", err)
	}
	return false, nil
}
