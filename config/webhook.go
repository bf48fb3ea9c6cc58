package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/upstat/upstat/hooks"
)

// MinWebhookSecret is the shortest webhook_secret accepted: the secret is
// all that authenticates a vendor's push.
const MinWebhookSecret = 16

// validateWebhookSecret checks a source's webhook_secret: only kinds with a
// webhook decoder take one, and a set one is long enough. The key present
// but empty (a ${VAR:-} default) is an error, not a disabled hook.
func (s *Source) validateWebhookSecret() error {
	if s.WebhookSecret == "" && !s.hasWebhookSecret {
		return nil
	}
	if !hooks.Supported(s.Kind) {
		return fmt.Errorf("source kind %q takes no webhooks (kinds that do: %s)", s.Kind, strings.Join(hooks.Kinds(), ", "))
	}
	if s.WebhookSecret == "" {
		return errors.New("is empty (remove the key to take no webhooks)")
	}
	if len(s.WebhookSecret) < MinWebhookSecret {
		return fmt.Errorf("must be at least %d characters", MinWebhookSecret)
	}
	return nil
}
