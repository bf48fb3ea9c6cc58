package catalogue

import (
	"strings"
	"testing"
)

// Parse refuses what it cannot read; it never panics, and what it accepts
// answers lookups by every key of every entry.
func FuzzParse(f *testing.F) {
	f.Add([]byte("# c\n[\n{\"id\":\"a\",\"name\":\"A\",\"kind\":\"feed\",\"url\":\"https://s.a.test/f\",\"aliases\":[\"B\"],\"source\":\"t\"}\n]\n"))
	f.Add([]byte("#\n#"))
	f.Add([]byte(`[{"id":"a","url":"http://[::1]:80/"},{"id":"b","url":"a"}]`))
	f.Add([]byte(`[{"id":"a","domains":["*."]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		for _, e := range c.Entries() {
			for _, k := range e.Keys() {
				if _, ok := c.Lookup(k); !ok && strings.TrimSpace(k) == k {
					t.Fatalf("key %q of %q does not look up", k, e.ID)
				}
			}
		}
	})
}

// MatchHost takes hostnames from a user's file: any string is safe, and a
// match names a catalogued entry.
func FuzzMatchHost(f *testing.F) {
	c, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"api.stripe.com", "hooks.slack.com.", "", ".", "..", "com", "a..b.amazonaws.com", "xn--80ak6aa92e.com", "[::1]", "ÄPI.Stripe.COM"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		e, how, ok := c.MatchHost(host)
		if !ok {
			return
		}
		if _, found := c.Lookup(e.ID); !found || (how != ByDomain && how != ByStatusHost) {
			t.Fatalf("MatchHost(%q) = %q, %q", host, e.ID, how)
		}
	})
}
