package alert

import (
	"context"
	"fmt"
	"time"

	"github.com/upstat/upstat"
)

// TestNotification returns the notification SendTest sends, with the given
// status, at the given time.
func TestNotification(status Status, at time.Time) Notification {
	at = at.UTC()
	n := Notification{
		Status: status,
		Alert: upstat.Alert{
			Rule: "upstat-test", Vendor: "upstat-test", Component: "Test component",
			Severity: upstat.Degraded, Since: at, FiredAt: at, Labels: map[string]string{"test": "true"},
		},
		Vendor: upstat.VendorSummary{
			ID: "upstat-test", Name: "upstat test notification", Status: upstat.Degraded,
			LastCheckedAt: &at, LastSuccessAt: &at, ActiveIncidents: 1,
		},
		Incident: &IncidentRef{ID: "upstat-test:1", Title: "This is a test notification from upstat", Severity: upstat.Degraded},
		Key:      AlertKey("upstat-test", "upstat-test", "Test component"),
		Test:     true,
	}
	if status == StatusResolved {
		n.ResolvedAt = &at
		n.Vendor.Status = upstat.Operational
		n.Vendor.ActiveIncidents = 0
	}
	return n
}

// SendTest sends a test notification through n: a firing one and then
// its resolution, so receivers that open something (PagerDuty, Opsgenie,
// Alertmanager) close it again. Each is tried once; the error says which
// failed and never contains a secret.
func SendTest(ctx context.Context, n Notifier) error {
	now := time.Now()
	for _, status := range []Status{StatusFiring, StatusResolved} {
		if _, err := n.Notify(ctx, TestNotification(status, now)); err != nil {
			return fmt.Errorf("alert test: %s: %w", status, Scrub(err))
		}
	}
	return nil
}
