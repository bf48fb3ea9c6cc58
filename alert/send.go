package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/upstat/upstat/httperr"
	"github.com/upstat/upstat/redact"
)

// Secret is a configuration value that must never be shown: a webhook URL,
// a routing key, a password. It prints, logs and marshals as "[redacted]";
// only Reveal returns the value.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]" (or "" when unset).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return s.String() }

// LogValue hides the value from log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON hides the value from JSON output.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UserAgent is sent with every notification request.
const UserAgent = "upstat/0.1 (alert notifier)"

// HTTPError is a non-2xx answer from a receiver: the error type shared
// with the sources package. Body is a short excerpt, with the request's
// secrets removed; RetryAfter is the receiver's Retry-After, when sent.
type HTTPError = httperr.Error

// Retryable reports whether an HTTP status is worth retrying: 408, 429 and
// every 5xx.
func Retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// PostJSON marshals v and POSTs it to target; see Post.
func PostJSON(ctx context.Context, c *http.Client, target string, header http.Header, v any, secrets ...string) (retry bool, err error) {
	body, err := json.Marshal(v)
	if err != nil {
		return false, fmt.Errorf("encode: %w", err)
	}
	return Post(ctx, c, target, header, body, secrets...)
}

// Post sends body to target as application/json (unless header sets a
// Content-Type) and classifies the outcome: nil on 2xx; retry on network
// errors and Retryable statuses; final otherwise. The error never contains
// target, and every secret given, target itself and each of its secret
// parts (path segments, query values, user) and every header value are
// scrubbed from it: what a receiver echoes back never reaches the logs or
// the outbox.
func Post(ctx context.Context, c *http.Client, target string, header http.Header, body []byte, secrets ...string) (retry bool, err error) {
	secrets = append(append(secrets, target), headerSecrets(header)...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("build request: invalid url")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.Do(req)
	if err != nil {
		return true, Scrub(err, secrets...)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	return Retryable(resp.StatusCode), httperr.New(resp, shorten(scrubString(string(excerpt), secrets), 200), time.Now())
}

// Scrub returns err without what may leak a secret: a *url.Error is
// reduced to its operation and cause (its URL dropped), and each secret is
// replaced by "[redacted]" in the message. errors.Is and errors.As still
// see the original causes.
func Scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = strings.ToLower(ue.Op) + ": " + ue.Err.Error()
	}
	return &scrubbed{msg: scrubString(msg, secrets), err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

// scrubString removes every secret, and every secret part of a secret
// that is a URL (each user, path segment and query value that is not
// plainly public: see redact.Parts), raw or escaped, from s.
func scrubString(s string, secrets []string) string {
	var all []string
	for _, sec := range secrets {
		all = append(all, sec)
		if strings.Contains(sec, "://") {
			all = append(all, redact.Parts(sec)...)
		}
	}
	return redact.Replace(s, all...)
}

// headerSecrets returns the values of every request header that may carry
// a credential (all but the content negotiation ones), whole and word by
// word, so "GenieKey abc" and "Bearer xyz" are scrubbed however they are
// echoed.
func headerSecrets(h http.Header) []string {
	var out []string
	for k, vs := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Type", "Accept", "User-Agent", "Content-Length":
			continue
		}
		for _, v := range vs {
			out = append(out, v)
			for _, w := range strings.Fields(v) {
				if !redact.Public(w) {
					out = append(out, w)
				}
			}
		}
	}
	return out
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
