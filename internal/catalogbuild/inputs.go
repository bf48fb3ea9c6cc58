// Package catalogbuild builds upstat's vendor catalogue (catalogue/
// vendors.yaml) from the public lists in a catalogue-sources directory and
// the hand-kept overlay. Build is pure: Read gathers the inputs, Build
// turns them into entries, so tests can run it on small inputs.
package catalogbuild

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat/catalogue"
)

// Inputs are the parsed lists. Field names follow each list's own.
type Inputs struct {
	Watch       []WatchVendor // vendor-status-watch.vendors.json
	Statusphere []NamedURL    // statusphere.json
	Sentry      []SentryEntry // sentry-status-page-list.json
	Feeds       []Feed        // multi-status.feeds.opml
	Statuscheck []StatusCheck // statuscheck.services.json
	Statuspile  []StatusPile  // statuspile.providers.json
	Overlay     Overlay       // catalogue/overlay.yaml
	IDs         []string      // catalogue/ids.txt
	Retired     []Retired     // catalogue/retired.yaml
}

// WatchVendor is one vendor-status-watch entry: a live probe's verdict.
type WatchVendor struct {
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Platform  string   `json:"platform"`
	Base      string   `json:"base"`
	Supported bool     `json:"supported"`
	Aliases   []string `json:"aliases"`
	PageID    string   `json:"page_id"`
	Note      string   `json:"note"`
}

// NamedURL is a statusphere entry.
type NamedURL struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// SentryEntry is a getsentry/status-page-list entry.
type SentryEntry struct {
	Name    string   `json:"name"`
	URL     string   `json:"statusPageUrl"`
	Domains []string `json:"domains"`
	Defunct bool     `json:"isServiceDefunct"`
}

// Feed is one multi-status OPML outline.
type Feed struct {
	Category, Name, URL string
}

// StatusCheck is an amureki/statuscheck service.
type StatusCheck struct {
	Name     string `json:"name"`
	URL      string `json:"status_url"`
	Platform string `json:"platform_per_base_class"`
}

// StatusPile is a dogsbodytech/statuspile provider.
type StatusPile struct {
	Name string `json:"name"`
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Overlay is the hand-kept file: vendors the lists miss or get wrong,
// amendments (domains, aliases, category), drops and excluded hosts.
type Overlay struct {
	// Vendors: an entry whose id (or host) exists is amended, field by
	// field; otherwise it is added and must have name, kind and url.
	Vendors []OverlayVendor `yaml:"vendors"`
	// Drop removes entries by id, with the reason.
	Drop []Reasoned `yaml:"drop"`
	// ExcludeHosts are never catalogued: aggregator sites, home pages.
	ExcludeHosts []Reasoned `yaml:"exclude_hosts"`
}

// OverlayVendor is one overlay entry: the fields of a catalogue entry
// (source excepted: it is "overlay") and Why, where its URL and kind were
// checked.
type OverlayVendor struct {
	catalogue.Entry `yaml:",inline"`
	Why             string `yaml:"why"`
}

// Reasoned is an id or host with the reason it is listed.
type Reasoned struct {
	ID   string `yaml:"id"`
	Host string `yaml:"host"`
	Why  string `yaml:"why"`
}

// Retired is an id that left the catalogue, why, and the id that
// replaces it (empty when the vendor is gone).
type Retired struct {
	ID         string `yaml:"id"`
	ReplacedBy string `yaml:"replaced_by"`
	Why        string `yaml:"why"`
}

// Read loads the lists from srcDir and the overlay, golden ids and
// retired ids from catDir.
func Read(srcDir, catDir string) (*Inputs, error) {
	in := &Inputs{}
	var watch struct {
		Vendors []WatchVendor `json:"vendors"`
	}
	jsons := []struct {
		file string
		into any
	}{
		{"vendor-status-watch.vendors.json", &watch},
		{"statusphere.json", &in.Statusphere},
		{"sentry-status-page-list.json", &in.Sentry},
		{"statuscheck.services.json", &in.Statuscheck},
		{"statuspile.providers.json", &in.Statuspile},
	}
	for _, j := range jsons {
		b, err := os.ReadFile(filepath.Join(srcDir, j.file))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, j.into); err != nil {
			return nil, fmt.Errorf("%s: %w", j.file, err)
		}
	}
	in.Watch = watch.Vendors
	feeds, err := readOPML(filepath.Join(srcDir, "multi-status.feeds.opml"))
	if err != nil {
		return nil, err
	}
	in.Feeds = feeds
	if err := readYAML(filepath.Join(catDir, "overlay.yaml"), &in.Overlay); err != nil {
		return nil, err
	}
	var retired struct {
		Retired []Retired `yaml:"retired"`
	}
	if err := readYAML(filepath.Join(catDir, "retired.yaml"), &retired); err != nil {
		return nil, err
	}
	in.Retired = retired.Retired
	ids, err := os.ReadFile(filepath.Join(catDir, "ids.txt"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, l := range strings.Split(string(ids), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			in.IDs = append(in.IDs, l)
		}
	}
	return in, nil
}

func readYAML(path string, into any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	d := yaml.NewDecoder(f)
	d.KnownFields(true)
	if err := d.Decode(into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func readOPML(path string) ([]Feed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	type outline struct {
		Text     string    `xml:"text,attr"`
		XMLURL   string    `xml:"xmlUrl,attr"`
		Children []outline `xml:"outline"`
	}
	var doc struct {
		Body []outline `xml:"body>outline"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var feeds []Feed
	var walk func(category string, os []outline)
	walk = func(category string, os []outline) {
		for _, o := range os {
			if o.XMLURL != "" {
				feeds = append(feeds, Feed{Category: category, Name: o.Text, URL: o.XMLURL})
			}
			walk(category, o.Children)
		}
	}
	for _, cat := range doc.Body {
		walk(cat.Text, cat.Children)
	}
	return feeds, nil
}
