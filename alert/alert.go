// Package alert turns vendor status into alerts and delivers them. Rules
// (RuleConfig) are evaluated by an Engine against upstat.Reader after each
// poll: every alert moves pending → firing → resolved, with the rule's "for"
// as hysteresis in both directions, and its state lives in a Store so that a
// restart neither repeats nor loses a notification. Notifications go through
// an outbox in the same Store and are delivered with retries by Engine.Run.
//
// Notifiers (webhook, slack, pagerduty, ...) live in sub-packages that
// register themselves by kind with Register; a program enables them by
// importing them, or all of them with alert/all.
package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// Status says whether a Notification announces a firing or a resolved alert.
type Status string

// Notification statuses, as the webhook payload spells them.
const (
	StatusFiring   Status = "firing"
	StatusResolved Status = "resolved"
)

// IncidentRef is the vendor incident that best explains an alert: the most
// severe active one (for a component alert, preferably one naming the
// component).
type IncidentRef struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	URL      string          `json:"url"`
	Severity upstat.Severity `json:"severity"`
}

// Notification is what every notifier receives: the SPEC's webhook payload
// ({"status", "alert", "vendor"}) plus the facts other formats need.
type Notification struct {
	Status   Status               `json:"status"`
	Alert    upstat.Alert         `json:"alert"`
	Vendor   upstat.VendorSummary `json:"vendor"`
	Incident *IncidentRef         `json:"incident,omitempty"`
	// Key identifies the alert (rule, vendor, component) stably across
	// firing, reminders, resolution and restarts: PagerDuty's dedup_key,
	// Opsgenie's alias.
	Key string `json:"key"`
	// ResolvedAt is set on resolved notifications.
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// Reminder marks a repeat of a firing notification (repeat_interval).
	Reminder bool `json:"reminder,omitempty"`
	// Test marks a notification sent by SendTest.
	Test bool `json:"test,omitempty"`
}

// Title is a one-line human summary: "Stripe API: partial_outage".
func (n Notification) Title() string {
	name := n.Vendor.Name
	if name == "" {
		name = n.Alert.Vendor
	}
	if n.Alert.Component != "" {
		name += " " + n.Alert.Component
	}
	what := n.Alert.Severity.String()
	if n.Alert.Severity == upstat.Unknown {
		what = "status unknown (source failing)"
	}
	if n.Status == StatusResolved {
		what = "resolved"
	}
	return name + ": " + what
}

// Notifier delivers notifications to one configured receiver. Notify makes
// one attempt. It returns retry=true when the failure is transient (network
// error, 408, 429, 5xx) and the same notification should be tried again
// later, retry=false when trying again cannot help (other 4xx). Errors never
// contain the receiver's URL or any other secret of its configuration.
type Notifier interface {
	Notify(ctx context.Context, n Notification) (retry bool, err error)
}

// Refresher is implemented by notifiers whose receiver forgets a firing
// alert unless it is re-sent (Alertmanager): while an alert fires, the
// engine re-sends it to them every RefreshInterval.
type Refresher interface {
	RefreshInterval() time.Duration
}

// AlertKey returns the stable identity of the alert of rule for vendor and
// component ("" for the vendor as a whole): "upstat-" and 32 hex digits.
func AlertKey(rule, vendor, component string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s", rule, vendor, component))
	return "upstat-" + hex.EncodeToString(h[:16])
}

// Headline is Title prefixed with what the notification is:
// "[FIRING] Stripe API: partial_outage", "[RESOLVED] ...", "[REMINDER] ...",
// with "[TEST] " first for SendTest.
func (n Notification) Headline() string {
	tag := "[FIRING] "
	switch {
	case n.Status == StatusResolved:
		tag = "[RESOLVED] "
	case n.Reminder:
		tag = "[STILL FIRING] "
	}
	if n.Test {
		tag = "[TEST] " + tag
	}
	return tag + n.Title()
}

// Fact is one labelled value of a notification, for formats that show a
// list (Slack fields, a Teams FactSet, an email body).
type Fact struct{ Name, Value string }

// Facts lists what a person needs to act on n, in a fixed order; absent
// values are left out.
func (n Notification) Facts() []Fact {
	vendor := n.Vendor.Name
	if vendor == "" {
		vendor = n.Alert.Vendor
	}
	component := n.Alert.Component
	if component == "" {
		component = "(whole vendor)"
	}
	facts := []Fact{
		{"Vendor", vendor},
		{"Component", component},
		{"Severity", n.Alert.Severity.String()},
		{"Rule", n.Alert.Rule},
		{"Since", n.Alert.Since.UTC().Format(time.RFC3339)},
	}
	if !n.Alert.FiredAt.IsZero() {
		facts = append(facts, Fact{"Fired at", n.Alert.FiredAt.UTC().Format(time.RFC3339)})
	}
	if n.ResolvedAt != nil {
		facts = append(facts, Fact{"Resolved at", n.ResolvedAt.UTC().Format(time.RFC3339)})
	}
	if n.Incident != nil && n.Incident.Title != "" {
		facts = append(facts, Fact{"Incident", n.Incident.Title})
	}
	if len(n.Alert.Labels) > 0 {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(n.Alert.Labels)) {
			kv = append(kv, k+"="+n.Alert.Labels[k])
		}
		facts = append(facts, Fact{"Labels", strings.Join(kv, ", ")})
	}
	return facts
}
