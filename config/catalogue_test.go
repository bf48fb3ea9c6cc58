package config

import (
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat/catalogue"
)

func TestCatalogueOverrides(t *testing.T) {
	c, err := Parse("c.yaml", []byte(`poll: {interval: 30s}
vendors:
  - id: stripe
    interval: 2m
    labels: {team: payments}
    components: {ignore: ["Dashboard"]}
  - id: status.twilio.com
  - id: newrelic
    name: NR
    labels: {category: apm}
  - id: own
    interval: 5m
    sources:
      - kind: feed
        url: https://example.com/feed
      - kind: feed
        url: https://example.com/other
        interval: 10s
`), env(nil))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	stripe, twilio, nr, own := c.Vendors[0], c.Vendors[1], c.Vendors[2], c.Vendors[3]
	if s := stripe.Sources[0]; hinted(t, s) != "feed" || s.URL != "https://www.stripestatus.com/history.atom" || s.Interval != 2*time.Minute {
		t.Errorf("stripe source = %+v", s)
	}
	if stripe.Name != "Stripe" || stripe.Labels["team"] != "payments" || stripe.Labels["category"] == "" || len(stripe.Components.Ignore) != 1 {
		t.Errorf("stripe = %+v", stripe)
	}
	if twilio.ID != "twilio" || twilio.Sources[0].URL != "https://status.twilio.com" || twilio.Sources[0].Interval != 30*time.Second {
		t.Errorf("a vendor named by its host takes the catalogue id: %+v", twilio)
	}
	if nr.ID != "newrelic" || nr.Name != "NR" || nr.Labels["category"] != "apm" || nr.Sources[0].URL != "https://status.newrelic.com" {
		t.Errorf("an alias keeps the id written and the config's name and labels: %+v", nr)
	}
	if own.Sources[0].Kind != "feed" || own.Sources[1].Kind != "feed" {
		t.Errorf("a vendor that lists its sources is read as written: %+v", own.Sources)
	}
	if own.Sources[0].Interval != 5*time.Minute || own.Sources[1].Interval != 10*time.Second {
		t.Errorf("vendor interval is the default of its sources: %v, %v", own.Sources[0].Interval, own.Sources[1].Interval)
	}
}

// hinted returns the kind a catalogue vendor's source starts reading
// with: the source is kind auto, its hint names the catalogued kind.
func hinted(t *testing.T, s Source) string {
	t.Helper()
	if s.Kind != "auto" {
		t.Errorf("catalogue source of kind %q, want auto (so that a moved page is detected again)", s.Kind)
		return ""
	}
	var opts struct {
		Hint map[string]any `yaml:"hint"`
	}
	if err := s.Spec("v").Decode(&opts); err != nil {
		t.Fatalf("auto options: %v", err)
	}
	k, _ := opts.Hint["kind"].(string)
	return k
}

// A catalogue entry's kind and kind options reach kind auto as its hint.
// (Resolved without validation: this package's tests register stand-ins
// for statuspage, feed and html only.)
func TestCatalogueKindOptions(t *testing.T) {
	c := &Config{File: "c.yaml", Vendors: []Vendor{{ID: "dynatrace"}}}
	c.resolveCatalogue()
	var opts struct {
		Hint struct {
			Kind   string `yaml:"kind"`
			PageID string `yaml:"page_id"`
		} `yaml:"hint"`
	}
	s := c.Vendors[0].Sources[0]
	if err := s.Spec("dynatrace").Decode(&opts); s.Kind != "auto" || err != nil || opts.Hint.Kind != "statusio" || opts.Hint.PageID != "546d8cb6af8407b6730000cb" {
		t.Errorf("dynatrace: kind %q, hint %+v, %v", s.Kind, opts.Hint, err)
	}
}

func TestCatalogueIntervalValidated(t *testing.T) {
	_, err := Parse("c.yaml", []byte("vendors:\n  - id: github\n    interval: 10ms\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "interval: must be at least 1s") {
		t.Errorf("err = %v", err)
	}
}

func TestDefaultIsSmall(t *testing.T) {
	c := Default()
	if n := len(c.Vendors); n > len(DefaultVendors) || n > 30 {
		t.Errorf("default set has %d vendors, want the ~20 of DefaultVendors, not the catalogue", n)
	}
	for _, id := range DefaultVendors {
		if _, ok := lookupCatalogue(id); !ok {
			t.Errorf("DefaultVendors names %q, which is not in the catalogue", id)
		}
	}
}

// Every id of the former hard-coded catalogue (22 Statuspage vendors)
// still names the same page, so existing configs and databases keep their
// vendor ids.
func TestFormerBuiltinIDs(t *testing.T) {
	for id, url := range map[string]string{
		"github": "https://www.githubstatus.com", "cloudflare": "https://www.cloudflarestatus.com",
		"atlassian": "https://status.atlassian.com", "bitbucket": "https://bitbucket.status.atlassian.com",
		"twilio": "https://status.twilio.com", "discord": "https://discordstatus.com",
		"datadog": "https://status.datadoghq.com", "newrelic": "https://status.newrelic.com",
		"sentry": "https://status.sentry.io", "digitalocean": "https://status.digitalocean.com",
		"linode": "https://status.linode.com", "vercel": "https://www.vercel-status.com",
		"netlify": "https://www.netlifystatus.com", "dropbox": "https://status.dropbox.com",
		"zoom": "https://status.zoom.us", "circleci": "https://status.circleci.com",
		"npm": "https://status.npmjs.org", "reddit": "https://www.redditstatus.com",
		"figma": "https://status.figma.com", "sendgrid": "https://status.sendgrid.com",
		"mailgun": "https://status.mailgun.com", "coinbase": "https://status.coinbase.com",
	} {
		c := &Config{File: "c.yaml", Vendors: []Vendor{{ID: id}}}
		c.resolveCatalogue()
		v := c.Vendors[0]
		if v.ID != id || len(v.Sources) != 1 || hinted(t, v.Sources[0]) != "statuspage" {
			t.Errorf("%s: resolved to %+v", id, v)
			continue
		}
		e, _ := lookupCatalogue(id)
		if got := v.Sources[0].URL; got != url && !containsHost(e, url) {
			t.Errorf("%s: url %s, and %s is not one of its hosts", id, got, url)
		}
	}
}

// containsHost reports whether the entry answers to rawURL's host.
func containsHost(e CatalogueEntry, rawURL string) bool {
	for _, k := range e.Keys() {
		if k == catalogue.Host(rawURL) {
			return true
		}
	}
	return false
}

// A catalogue vendor's source (auto with its hint) has the same
// fingerprint on every load, so a reload keeps it running, with the kind
// it detected if its page moved.
func TestCatalogueFingerprintStable(t *testing.T) {
	fingerprint := func() string {
		c := &Config{File: "c.yaml", Vendors: []Vendor{{ID: "dynatrace"}}}
		c.resolveCatalogue()
		return c.Vendors[0].Sources[0].Fingerprint()
	}
	a := fingerprint()
	for i := 0; i < 20; i++ {
		if b := fingerprint(); b != a || !strings.Contains(a, "statusio") {
			t.Fatalf("fingerprints %q and %q", a, b)
		}
	}
}
