package config

import (
	"fmt"

	"github.com/upstat/upstat/catalogue"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/auto"
)

// DefaultVendors are the catalogue ids `upstat serve` watches without a
// configuration: about twenty vendors most teams depend on, not the whole
// catalogue (a thousand pages polled every minute would be rude to them
// and useless to the user).
var DefaultVendors = []string{
	"aws", "google-cloud", "azure", "github", "gitlab", "cloudflare", "fastly",
	"stripe", "twilio", "sendgrid", "slack", "zoom", "atlassian", "datadog",
	"pagerduty", "sentry", "openai", "anthropic", "vercel", "netlify",
	"digitalocean", "docker-hub", "npm", "newrelic", "circleci", "mongodb",
}

// CatalogueEntry is a vendor upstat knows how to watch without any
// configuration beyond its id (or one of its aliases or hosts).
type CatalogueEntry = catalogue.Entry

// lookupCatalogue returns the catalogue entry named by key: an id, an
// alias or a status-page host.
func lookupCatalogue(key string) (CatalogueEntry, bool) {
	cat, err := catalogue.Default()
	if err != nil {
		return CatalogueEntry{}, false
	}
	return cat.Lookup(key)
}

// resolveCatalogue fills vendors named by id alone from the catalogue.
// What the config says wins: its name, its labels (the catalogue's
// category is added when the config has none), its components rules and
// its interval. A vendor written with a catalogue host or an alias that is
// not a valid id (status.twilio.com) takes the catalogue's id.
func (c *Config) resolveCatalogue() {
	for i := range c.Vendors {
		v := &c.Vendors[i]
		if len(v.Sources) == 0 {
			if e, ok := lookupCatalogue(v.ID); ok {
				c.fromCatalogue(v, e)
			}
		}
		for j := range v.Sources {
			if v.Sources[j].Interval == 0 {
				v.Sources[j].Interval = v.Interval
			}
		}
	}
}

// fromCatalogue fills v from the catalogue entry e. The source is read
// through kind auto with the entry's kind and options as its hint: the
// first poll reads the page as catalogued, without probing, and a page
// that has since moved to another platform (it keeps answering "not this
// format") is detected again and read with its new kind, as kind auto
// does, rather than staying broken. A vendor that lists its sources is
// not resolved from the catalogue and not read through auto.
func (c *Config) fromCatalogue(v *Vendor, e CatalogueEntry) {
	if !vendorID.MatchString(v.ID) {
		v.ID = e.ID
	}
	if v.Name == "" {
		v.Name = e.Name
	}
	if e.Category != "" {
		if v.Labels == nil {
			v.Labels = map[string]string{}
		}
		if _, set := v.Labels["category"]; !set {
			v.Labels["category"] = e.Category
		}
	}
	s, err := SourceWithOptions(auto.Kind, e.URL, auto.Hint(e.Kind, e.Options))
	if err != nil {
		// Options are strings from the embedded file: only a broken build
		// gets here; validation then reports the vendor as unresolved.
		return
	}
	s.file, s.line, s.path = c.File, v.line, fmt.Sprintf("vendors (catalogue %s)", e.ID)
	v.Sources = []Source{s}
}

// Default is the configuration `upstat serve` runs without --config: the
// DefaultVendors with default settings, less any whose source kind this
// binary does not have.
func Default() *Config {
	c := &Config{File: "(built-in)"}
	for _, id := range DefaultVendors {
		if e, ok := lookupCatalogue(id); ok {
			if _, known := sources.Lookup(e.Kind); known {
				c.Vendors = append(c.Vendors, Vendor{ID: id})
			}
		}
	}
	c.resolveCatalogue()
	c.setDefaults()
	return c
}
