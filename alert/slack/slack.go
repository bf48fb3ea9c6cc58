// Package slack is the "slack" notifier: a Block Kit message to a Slack
// incoming webhook, with vendor, component, severity, rule and the
// incident's title and link.
package slack

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/upstat/upstat/alert"
)

func init() {
	alert.Register(alert.Kind{Name: "slack", New: New, Summary: "post a Block Kit message to a Slack incoming webhook"})
}

// Options are the slack notifier's keys.
type Options struct {
	URL alert.Secret `yaml:"url"` // the incoming webhook URL
}

// Slack posts to an incoming webhook.
type Slack struct {
	url    alert.Secret
	client *http.Client
}

var _ alert.Notifier = (*Slack)(nil)

// New builds a slack notifier. Errors wrap upstat.ErrInvalid.
func New(spec alert.NotifierSpec, env alert.Env) (alert.Notifier, error) {
	o, err := alert.DecodeURLOptions(spec, func(o Options) alert.Secret { return o.URL })
	if err != nil {
		return nil, err
	}
	return &Slack{url: o.URL, client: env.Client}, nil
}

type text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type block struct {
	Type     string `json:"type"`
	Text     *text  `json:"text,omitempty"`
	Fields   []text `json:"fields,omitempty"`
	Elements []text `json:"elements,omitempty"`
}

// Message is the JSON body sent to Slack.
type Message struct {
	Text   string  `json:"text"` // fallback for notifications
	Blocks []block `json:"blocks"`
}

// escape makes s literal in Slack mrkdwn.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Format builds the Slack message for n.
func Format(n alert.Notification) Message {
	head := n.Headline()
	if len(head) > 150 { // Slack's limit for a header
		head = strings.ToValidUTF8(head[:147], "") + "..."
	}
	m := Message{Text: head, Blocks: []block{{Type: "header", Text: &text{Type: "plain_text", Text: head}}}}
	fields := block{Type: "section"}
	var context []string
	for _, f := range n.Facts() {
		switch f.Name {
		case "Vendor", "Component", "Severity", "Rule":
			fields.Fields = append(fields.Fields, text{Type: "mrkdwn", Text: "*" + f.Name + "*\n" + escape(f.Value)})
		case "Incident":
		default:
			context = append(context, f.Name+": "+escape(f.Value))
		}
	}
	m.Blocks = append(m.Blocks, fields)
	if inc := n.Incident; inc != nil && inc.Title != "" {
		link := escape(inc.Title)
		if inc.URL != "" {
			link = "<" + escape(inc.URL) + "|" + link + ">"
		}
		m.Blocks = append(m.Blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: "*Incident:* " + link}})
	}
	m.Blocks = append(m.Blocks, block{Type: "context", Elements: []text{{Type: "mrkdwn", Text: strings.Join(context, " · ")}}})
	return m
}

// Notify implements alert.Notifier.
func (s *Slack) Notify(ctx context.Context, n alert.Notification) (bool, error) {
	retry, err := alert.PostJSON(ctx, s.client, s.url.Reveal(), nil, Format(n))
	if err != nil {
		return retry, fmt.Errorf("slack: %w", err)
	}
	return false, nil
}
