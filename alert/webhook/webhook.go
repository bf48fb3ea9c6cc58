// Package webhook is the "webhook" notifier: it POSTs the SPEC's JSON
// payload {"status", "alert", "vendor", ...} to a URL, optionally signed
// with HMAC-SHA256 over the body.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/upstat/upstat/alert"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body,
// keyed with the configured secret, when one is set.
const SignatureHeader = "X-Upstat-Signature-256"

func init() {
	alert.Register(alert.Kind{Name: "webhook", New: New, Summary: "POST the alert as JSON to a URL, optionally HMAC-signed"})
}

// Options are the webhook notifier's keys.
type Options struct {
	URL    alert.Secret `yaml:"url"`
	Secret alert.Secret `yaml:"secret"` // HMAC key; empty: no signature
}

// Webhook posts notifications as JSON.
type Webhook struct {
	opts   Options
	client *http.Client
}

var _ alert.Notifier = (*Webhook)(nil)

// New builds a webhook notifier. Errors wrap upstat.ErrInvalid.
func New(spec alert.NotifierSpec, env alert.Env) (alert.Notifier, error) {
	o, err := alert.DecodeURLOptions(spec, func(o Options) alert.Secret { return o.URL })
	if err != nil {
		return nil, err
	}
	return &Webhook{opts: o, client: env.Client}, nil
}

// Sign returns the signature header value for body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Notify implements alert.Notifier.
func (w *Webhook) Notify(ctx context.Context, n alert.Notification) (bool, error) {
	body, err := json.Marshal(n)
	if err != nil {
		return false, fmt.Errorf("webhook: encode: %w", err)
	}
	h := http.Header{}
	if w.opts.Secret != "" {
		h.Set(SignatureHeader, Sign(w.opts.Secret.Reveal(), body))
	}
	retry, err := alert.Post(ctx, w.client, w.opts.URL.Reveal(), h, body, w.opts.Secret.Reveal())
	if err != nil {
		return retry, fmt.Errorf("webhook: %w", err)
	}
	return false, nil
}
