package catalogue_test

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/upstat/upstat/catalogue"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/sources"
	_ "github.com/upstat/upstat/sources/all"
)

// Every entry's kind is a registered source kind. The kinds of the
// "read every major status platform" issue (incidentio, instatus,
// statusio, betterstack, cachet, gcp, aws, azure, slack, heroku) fail here
// until their adapters are merged; the message lists what is missing.
func TestEveryKindRegistered(t *testing.T) {
	cat, err := catalogue.Default()
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string]int{}
	for _, e := range cat.Entries() {
		if _, ok := sources.Lookup(e.Kind); !ok {
			missing[e.Kind]++
		}
	}
	if len(missing) > 0 {
		var list []string
		for k, n := range missing {
			list = append(list, k+" ("+strconv.Itoa(n)+" entries)")
		}
		sort.Strings(list)
		t.Errorf("catalogue kinds with no registered adapter: %s (registered: %s)",
			strings.Join(list, ", "), strings.Join(sources.Kinds(), ", "))
	}
}

// The 40 vendors platform teams most often depend on are catalogued with
// the right kind, or docs/catalogue.md says why not.
func TestCommonVendors(t *testing.T) {
	cat, err := catalogue.Default()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := os.ReadFile("../docs/catalogue.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct{ name, key, kind string }{
		{"AWS", "aws", "aws"}, {"Google Cloud", "google-cloud", "gcp"}, {"Azure", "azure", "azure"},
		{"GitHub", "github", "statuspage"}, {"GitLab", "gitlab", "feed"}, {"Cloudflare", "cloudflare", "statuspage"},
		{"Fastly", "fastly", "statuspage"}, {"Akamai", "akamai", "feed"}, {"Stripe", "stripe", "feed"},
		{"Twilio", "twilio", "statuspage"}, {"SendGrid", "sendgrid", "statuspage"}, {"Slack", "slack", "slack"},
		{"Zoom", "zoom", "statuspage"}, {"Atlassian", "atlassian", "statuspage"}, {"Datadog", "datadog", "statuspage"},
		{"New Relic", "newrelic", "statuspage"}, {"PagerDuty", "pagerduty", "statuspage"}, {"Sentry", "sentry", "statuspage"},
		{"Okta", "okta", "feed"}, {"Auth0", "auth0", ""}, {"OpenAI", "openai", "incidentio"},
		{"Anthropic", "anthropic", "statuspage"}, {"Heroku", "heroku", "heroku"}, {"Vercel", "vercel", "statuspage"},
		{"Netlify", "netlify", "statuspage"}, {"DigitalOcean", "digitalocean", "statuspage"}, {"Linode", "linode", "statuspage"},
		{"MongoDB Atlas", "mongodb-atlas", "statuspage"}, {"Snowflake", "snowflake", "statuspage"}, {"Salesforce", "salesforce", ""},
		{"Shopify", "shopify", "statuspage"}, {"Docker Hub", "docker-hub", "statuspage"}, {"npm", "npm", "statuspage"},
		{"PyPI", "pypi", "statuspage"}, {"CircleCI", "circleci", "statuspage"}, {"HashiCorp", "hashicorp", "incidentio"},
		{"Elastic", "elastic", "statuspage"}, {"Confluent", "confluent", "statuspage"}, {"Supabase", "supabase", "statuspage"},
		{"Fly.io", "fly-io", "statuspage"},
	} {
		e, ok := cat.Lookup(v.key)
		if v.kind == "" {
			if ok {
				t.Errorf("%s is catalogued (%s); update this test and docs/catalogue.md", v.name, e.ID)
			}
			if !strings.Contains(string(docs), "| "+v.name+" |") {
				t.Errorf("%s is not catalogued and docs/catalogue.md does not say why (a \"| %s |\" row)", v.name, v.name)
			}
			continue
		}
		if !ok || e.Kind != v.kind {
			t.Errorf("%s: Lookup(%q) = %q kind %q, %v; want kind %q", v.name, v.key, e.ID, e.Kind, ok, v.kind)
		}
	}
}

// Every entry, named by id alone, is a valid vendor of a configuration:
// its kind's adapter accepts its URL and options. Entries of kinds this
// build lacks are TestEveryKindRegistered's to report.
func TestEveryEntryLoads(t *testing.T) {
	cat, err := catalogue.Default()
	if err != nil {
		t.Fatal(err)
	}
	c := &config.Config{}
	for _, e := range cat.Entries() {
		if _, ok := sources.Lookup(e.Kind); ok {
			c.Vendors = append(c.Vendors, config.Vendor{ID: e.ID})
		}
	}
	if len(c.Vendors) < 800 {
		t.Fatalf("only %d entries have a registered kind", len(c.Vendors))
	}
	if err := c.Complete(); err != nil {
		t.Fatalf("catalogue as a config: %v", err)
	}
	for _, v := range c.Vendors {
		if len(v.Sources) != 1 {
			t.Fatalf("%s: %d sources", v.ID, len(v.Sources))
		}
	}
}
