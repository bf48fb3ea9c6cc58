package config

// CatalogueEntry is a vendor upstat knows how to watch without any
// configuration beyond its id.
type CatalogueEntry struct {
	ID, Name, Kind, URL string
	Labels              map[string]string
}

// Catalogue is the built-in set of popular vendors with public Statuspage
// pages. `upstat serve` without --config watches all of them; a config
// may name any of them by id alone.
var Catalogue = []CatalogueEntry{
	{ID: "github", Name: "GitHub", Kind: "statuspage", URL: "https://www.githubstatus.com", Labels: map[string]string{"category": "devtools"}},
	{ID: "cloudflare", Name: "Cloudflare", Kind: "statuspage", URL: "https://www.cloudflarestatus.com", Labels: map[string]string{"category": "cdn"}},
	{ID: "atlassian", Name: "Atlassian", Kind: "statuspage", URL: "https://status.atlassian.com", Labels: map[string]string{"category": "devtools"}},
	{ID: "bitbucket", Name: "Bitbucket", Kind: "statuspage", URL: "https://bitbucket.status.atlassian.com", Labels: map[string]string{"category": "devtools"}},
	{ID: "twilio", Name: "Twilio", Kind: "statuspage", URL: "https://status.twilio.com", Labels: map[string]string{"category": "communications"}},
	{ID: "discord", Name: "Discord", Kind: "statuspage", URL: "https://discordstatus.com", Labels: map[string]string{"category": "communications"}},
	{ID: "datadog", Name: "Datadog", Kind: "statuspage", URL: "https://status.datadoghq.com", Labels: map[string]string{"category": "monitoring"}},
	{ID: "newrelic", Name: "New Relic", Kind: "statuspage", URL: "https://status.newrelic.com", Labels: map[string]string{"category": "monitoring"}},
	{ID: "sentry", Name: "Sentry", Kind: "statuspage", URL: "https://status.sentry.io", Labels: map[string]string{"category": "monitoring"}},
	{ID: "digitalocean", Name: "DigitalOcean", Kind: "statuspage", URL: "https://status.digitalocean.com", Labels: map[string]string{"category": "cloud"}},
	{ID: "linode", Name: "Linode (Akamai)", Kind: "statuspage", URL: "https://status.linode.com", Labels: map[string]string{"category": "cloud"}},
	{ID: "vercel", Name: "Vercel", Kind: "statuspage", URL: "https://www.vercel-status.com", Labels: map[string]string{"category": "hosting"}},
	{ID: "netlify", Name: "Netlify", Kind: "statuspage", URL: "https://www.netlifystatus.com", Labels: map[string]string{"category": "hosting"}},
	{ID: "dropbox", Name: "Dropbox", Kind: "statuspage", URL: "https://status.dropbox.com", Labels: map[string]string{"category": "saas"}},
	{ID: "zoom", Name: "Zoom", Kind: "statuspage", URL: "https://status.zoom.us", Labels: map[string]string{"category": "communications"}},
	{ID: "circleci", Name: "CircleCI", Kind: "statuspage", URL: "https://status.circleci.com", Labels: map[string]string{"category": "devtools"}},
	{ID: "npm", Name: "npm", Kind: "statuspage", URL: "https://status.npmjs.org", Labels: map[string]string{"category": "devtools"}},
	{ID: "reddit", Name: "Reddit", Kind: "statuspage", URL: "https://www.redditstatus.com", Labels: map[string]string{"category": "saas"}},
	{ID: "figma", Name: "Figma", Kind: "statuspage", URL: "https://status.figma.com", Labels: map[string]string{"category": "saas"}},
	{ID: "sendgrid", Name: "SendGrid", Kind: "statuspage", URL: "https://status.sendgrid.com", Labels: map[string]string{"category": "communications"}},
	{ID: "mailgun", Name: "Mailgun", Kind: "statuspage", URL: "https://status.mailgun.com", Labels: map[string]string{"category": "communications"}},
	{ID: "coinbase", Name: "Coinbase", Kind: "statuspage", URL: "https://status.coinbase.com", Labels: map[string]string{"category": "payments"}},
}

// lookupCatalogue returns the catalogue entry with id.
func lookupCatalogue(id string) (CatalogueEntry, bool) {
	for _, e := range Catalogue {
		if e.ID == id {
			return e, true
		}
	}
	return CatalogueEntry{}, false
}

// resolveCatalogue fills vendors named by id alone from the catalogue.
func (c *Config) resolveCatalogue() {
	for i := range c.Vendors {
		v := &c.Vendors[i]
		if len(v.Sources) > 0 {
			continue
		}
		e, ok := lookupCatalogue(v.ID)
		if !ok {
			continue
		}
		if v.Name == "" {
			v.Name = e.Name
		}
		if v.Labels == nil {
			v.Labels = e.Labels
		}
		v.Sources = []Source{{Kind: e.Kind, URL: e.URL, file: c.File, line: v.line, path: "vendors"}}
	}
}

// Default is the configuration `upstat serve` runs without --config: the
// whole catalogue with default settings.
func Default() *Config {
	c := &Config{File: "(built-in)"}
	for _, e := range Catalogue {
		c.Vendors = append(c.Vendors, Vendor{ID: e.ID})
	}
	c.resolveCatalogue()
	c.setDefaults()
	return c
}
