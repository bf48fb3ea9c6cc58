// Package redact hides the secret parts of URLs and strings: the one
// redaction used wherever a configured URL may be shown (the API, the
// dashboard, logs, stored errors).
package redact

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Mark replaces a secret wherever one is removed.
const Mark = "[redacted]"

// secretKeyWords are substrings of query parameter names whose values are
// credentials (api_key, access_token, client_secret, password, sig, …).
var secretKeyWords = []string{"key", "token", "secret", "pass", "pwd", "auth", "sig", "session", "credential", "jwt", "code", "bearer"}

// SecretKey reports whether a query parameter named name carries a
// credential (its name contains key, token, secret, pass, auth, sig, …).
func SecretKey(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretKeyWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// URL returns raw fit to show: user information ("user:pass@") and the
// values of credential query parameters (see SecretKey) are replaced by
// [redacted]; scheme, host, path and other parameters stay, so the URL
// still says what is fetched. A string that does not parse as a URL with
// a host is returned with its query and user information cut off, as
// that is where credentials hide.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		s := raw
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i] + "?" + Mark
		}
		if at := strings.LastIndex(s, "@"); at >= 0 {
			if sl := strings.Index(s, "//"); sl >= 0 && sl < at {
				s = s[:sl+2] + Mark + s[at:]
			}
		}
		return s
	}
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme + ":")
	}
	b.WriteString("//")
	if u.User != nil {
		b.WriteString(Mark + "@")
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	if u.RawQuery != "" {
		b.WriteString("?" + query(u.RawQuery))
	}
	if u.Fragment != "" {
		b.WriteString("#" + u.EscapedFragment())
	}
	return b.String()
}

// query redacts the values of credential parameters in a raw query,
// keeping the order and the encoding of everything else.
func query(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && SecretKey(name) {
			parts[i] = k + "=" + Mark
		}
	}
	return strings.Join(parts, "&")
}

// userinfo is the user information of a URL quoted in a message, in any
// form (net/http writes "https://user:***@host").
var userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@\s"']+@`)

// String replaces in s every URL of urls by its redacted form (URL), and
// every other credential they hold (user, password, credential parameter
// values), raw or escaped, by [redacted]. It is how an error message
// that may quote a configured URL is made fit to show.
func String(s string, urls ...string) string {
	for _, raw := range urls {
		if raw == "" {
			continue
		}
		s = strings.ReplaceAll(s, raw, URL(raw))
	}
	s = userinfo.ReplaceAllString(s, "${1}"+Mark+"@")
	var parts []string
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if u.User != nil {
			parts = append(parts, u.User.Username())
			if p, ok := u.User.Password(); ok {
				parts = append(parts, p)
			}
		}
		for k, vs := range u.Query() {
			if SecretKey(k) {
				parts = append(parts, vs...)
			}
		}
	}
	return Replace(s, parts...)
}

// Replace replaces every secret of at least 4 bytes in s, as written and
// in its URL-escaped forms, by [redacted]. Longer secrets go first, so a
// secret that contains another is removed whole.
func Replace(s string, secrets ...string) string {
	var all []string
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue
		}
		all = append(all, sec, url.QueryEscape(sec), url.PathEscape(sec))
	}
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range slices.Compact(all) {
		s = strings.ReplaceAll(s, sec, Mark)
	}
	return s
}

// Parts returns every part of a configured URL that may be secret: the
// user and password, the whole path, each path segment and each query
// value that is not plainly public (see Public), and the raw query. A receiver's webhook
// URL is its credential, so all of these are removed from what is shown.
func Parts(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		out = append(out, u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	if len(u.Path) > 1 {
		out = append(out, u.Path) // whole, as a receiver may echo it
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if !Public(seg) {
			out = append(out, seg)
		}
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if !Public(v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// Public reports whether a URL part or header word is plainly not a
// secret: shorter than 4 bytes, or a word of at most 16 lower-case
// letters, '-', '_' and '.' (such as "services", "api", "v2", "alerts").
// Anything with a capital, a digit or another character, or longer, may
// be a token.
func Public(s string) bool {
	if len(s) < 4 {
		return true
	}
	if len(s) > 16 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '-' && r != '_' && r != '.' {
			return false
		}
	}
	return true
}
