package api

import (
	"context"
	"io"
	"net/http"
	"strings"
)

// hooksPrefix is the path of the inbound webhooks: POST
// /api/v1/hooks/{vendor}, or /api/v1/hooks/{vendor}/{secret} for vendors
// whose subscription form takes only a URL.
const hooksPrefix = "/api/v1/hooks/"

// HookSecretHeader carries a webhook's secret when it is not in the path.
const HookSecretHeader = "X-Upstat-Webhook-Secret"

// HookReceiver takes inbound vendor webhooks (the hooks package's
// Receiver implements it).
type HookReceiver interface {
	// Receive authenticates a delivery for vendor by secret and applies
	// it, reporting whether it changed anything. Errors wrap
	// upstat.ErrNotFound (no webhook for the vendor), ErrUnauthorized
	// (wrong secret) or ErrInvalid (unreadable body); nothing is stored
	// then.
	Receive(ctx context.Context, vendor, secret string, body []byte) (changed bool, err error)
}

// hookPath reports whether path is an inbound webhook's: those requests
// authenticate with their own secret, not the API tokens.
func hookPath(path string) bool { return strings.HasPrefix(path, hooksPrefix) }

// loggedPath is path as logs may show it: a webhook's secret in the path
// is replaced.
func loggedPath(path string) string {
	if !hookPath(path) {
		return path
	}
	vendor, _, hasSecret := strings.Cut(strings.TrimPrefix(path, hooksPrefix), "/")
	if hasSecret {
		return hooksPrefix + vendor + "/[secret]"
	}
	return path
}

// hookAnswer is the body of an accepted delivery.
type hookAnswer struct {
	Status  string `json:"status"`
	Changed bool   `json:"changed"`
}

// handleHook serves POST /api/v1/hooks/{vendor}[/{secret}]: 200 with
// {"status":"accepted","changed":…} once applied; 404 for a vendor
// without a webhook, 401 for a wrong secret, 400 for an unreadable body,
// 413 past MaxBodyBytes, 503 when webhooks are not wired.
func (s *Server) handleHook(w http.ResponseWriter, r *http.Request) {
	if s.opt.Hooks == nil {
		s.writeError(w, r, &apiError{kind: errUnavailable, msg: "webhooks are not enabled"})
		return
	}
	secret := r.PathValue("secret")
	if secret == "" {
		secret = r.Header.Get(HookSecretHeader)
	}
	body, err := io.ReadAll(r.Body) // capped at MaxBodyBytes by limitRequests
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	changed, err := s.opt.Hooks.Receive(r.Context(), r.PathValue("vendor"), secret, body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, hookAnswer{Status: "accepted", Changed: changed})
}
