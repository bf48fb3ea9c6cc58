package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://status.example.com/api/v2/summary.json", "https://status.example.com/api/v2/summary.json"},
		{"https://user:hunter22@status.example.com/feed", "https://[redacted]@status.example.com/feed"},
		{"https://tok3n@status.example.com/feed", "https://[redacted]@status.example.com/feed"},
		{"https://example.com/feed?api_key=SECRET123&lang=en", "https://example.com/feed?api_key=[redacted]&lang=en"},
		{"https://example.com/x?token=abc&Access-Token=def&sig=x%2Fy&page=2", "https://example.com/x?token=[redacted]&Access-Token=[redacted]&sig=[redacted]&page=2"},
		{"https://example.com/x?apiKey", "https://example.com/x?apiKey"},
		{"https://example.com/a%20b?q=1#top", "https://example.com/a%20b?q=1#top"},
		{"not a url?token=x", "not a url?[redacted]"},
		{"%zz://u:p@h/?token=1", "%zz://[redacted]@h/?[redacted]"},
	}
	for _, c := range cases {
		if got := URL(c.in); got != c.want {
			t.Errorf("URL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestString(t *testing.T) {
	u := "https://bob:pa55word@example.com/feed?api_key=K3Y-SECRET&x=1"
	msg := `fetch: Get "https://bob:***@example.com/feed?api_key=K3Y-SECRET&x=1": dial tcp: refused; echo K3Y-SECRET pa55word ` + u
	got := String(msg, u)
	for _, leak := range []string{"K3Y-SECRET", "pa55word", "bob"} {
		if strings.Contains(got, leak) {
			t.Errorf("String leaks %q: %s", leak, got)
		}
	}
	if !strings.Contains(got, "example.com/feed") {
		t.Errorf("String lost the host: %s", got)
	}
}

func TestPartsAndReplace(t *testing.T) {
	u := "https://hooks.example.com/services/T000/B111/XXXXSECRETXXXX?key=SECRETQUERY456&format=json"
	parts := Parts(u)
	msg := `http 500: {"uri":"/services/T000/B111/XXXXSECRETXXXX?key=SECRETQUERY456&format=json","q":"key%3DSECRETQUERY456"}`
	got := Replace(msg, parts...)
	for _, leak := range []string{"XXXXSECRETXXXX", "SECRETQUERY456", "T000", "B111"} {
		if strings.Contains(got, leak) {
			t.Errorf("Replace leaks %q: %s", leak, got)
		}
	}
	if got := Replace("unknown services endpoint for format json", parts...); got != "unknown services endpoint for format json" {
		t.Errorf("a public word was removed: %s", got)
	}
}

func TestPublic(t *testing.T) {
	for s, want := range map[string]bool{
		"": true, "v2": true, "api": true, "services": true, "IncomingWebhook": false, "XXXXSECRETXXXX": false, "alerts": true,
		"T000": false, "webhookb2": false, "abcdefghijklmnopq": false, "a/b/c": false, "hmac-key-secret": true, "a.b_c-d": true,
	} {
		if got := Public(s); got != want {
			t.Errorf("Public(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzURL checks that URL never panics and never shows the user
// information of a URL it could parse, nor a credential parameter's value.
func FuzzURL(f *testing.F) {
	for _, s := range []string{"https://u:p@h/x?api_key=abc", "http://h/?token=x&token=y", "%zz", "//u@h", "https://h/p#f?token=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := URL(raw)
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return
		}
		if u.User != nil && u.User.String() != "" && strings.Contains(out, u.User.String()+"@") {
			t.Fatalf("URL(%q) = %q shows the user information", raw, out)
		}
		ou, err := url.Parse(out)
		if err != nil {
			return
		}
		for k, vs := range ou.Query() {
			for _, v := range vs {
				if SecretKey(k) && v != "" && v != Mark {
					t.Fatalf("URL(%q) = %q shows %s=%q", raw, out, k, v)
				}
			}
		}
	})
}
