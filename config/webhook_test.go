package config

import (
	"errors"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
)

func init() {
	// The fake statuspage kind of these tests takes webhooks.
	hooks.Register("statuspage", func([]byte, string, *normalize.Mapper) (*upstat.Snapshot, error) {
		return nil, errors.New("fake")
	})
}

func TestWebhookSecret(t *testing.T) {
	src := `
vendors:
  - id: acme
    sources:
      - kind: statuspage
        url: https://status.acme.test
        webhook_secret: ${ACME_HOOK}
      - kind: statuspage
        url: https://status.acme.test/other
`
	c, err := Parse("x.yaml", []byte(src), env(map[string]string{"ACME_HOOK": "s3cret-s3cret-s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Vendors[0].Sources[0].WebhookSecret; got != "s3cret-s3cret-s3cret" {
		t.Errorf("webhook_secret = %q, want the variable's value", got)
	}
	if got := c.Vendors[0].Sources[1].WebhookSecret; got != "" {
		t.Errorf("second source's webhook_secret = %q, want none", got)
	}
}
