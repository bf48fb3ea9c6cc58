package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// A history feed of Statuspage or Instatus carries no impact (and
// Statuspage's no components): read from its words, the severity matches
// the vendor's own only about half the time. The page that publishes the
// feed also answers a JSON API listing incidents with their impact; when
// it does, the feed's incidents it lists take the vendor's impact (and
// components). When it does not (an error, not JSON, an incident it does
// not list), the incident keeps the severity read from words, marked
// text: the feed itself is never failed for it.

// vendorAPI is where a platform's page lists incidents with their impact,
// and the severity domain of its impact words.
type vendorAPI struct {
	path   string
	domain string
}

// vendorAPIs by feed format. Statuspage lists its latest incidents;
// Instatus only its active ones (resolved ones stay guessed). "instatus"
// is the domain the instatus adapter registers (its impact words); the
// feed names it without importing that adapter.
var vendorAPIs = map[string]vendorAPI{
	FormatStatuspage: {"/api/v2/incidents.json", normalize.DomainImpact},
	FormatInstatus:   {"/summary.json", "instatus"},
}

// statuspageIncidentsPath is where a Statuspage page lists its incidents.
var statuspageIncidentsPath = vendorAPIs[FormatStatuspage].path

// wireIncident is what the feed reads of an incident in a platform's
// JSON: Statuspage's incidents[] and Instatus' activeIncidents[] share
// these names.
type wireIncident struct {
	ID         string `json:"id"`
	Impact     string `json:"impact"`
	Components []struct {
		Name string `json:"name"`
	} `json:"components"`
}

// wireIncidents is a Statuspage incidents.json or an Instatus summary.
type wireIncidents struct {
	Incidents       []wireIncident `json:"incidents"`
	ActiveIncidents []wireIncident `json:"activeIncidents"`
}

// vendorImpacts fetches the JSON of the page that publishes a feed of
// format (when its platform has one) and gives the guessed incidents of incs it lists their
// vendor's impact (through the impact table and its overrides) and, when
// the feed named none, their components. It returns why it could not.
func (s *Source) vendorImpacts(ctx context.Context, format string, incs []upstat.Incident) error {
	platform, ok := vendorAPIs[format]
	if !ok {
		return nil
	}
	guessed := false
	for i := range incs {
		guessed = guessed || (incs[i].Kind == upstat.KindIncident && incs[i].SeveritySource == upstat.SeverityFromText)
	}
	if !guessed {
		return nil
	}
	u, err := url.Parse(s.url)
	if err != nil {
		return err
	}
	api := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: platform.path}).String()
	resp, err := s.env.Fetcher.Get(ctx, api, "application/json")
	if err != nil {
		return err
	}
	if err := resp.LooksLikeJSON(); err != nil {
		return err
	}
	var w wireIncidents
	if err := json.Unmarshal(resp.Body, &w); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	listed := append(w.Incidents, w.ActiveIncidents...)
	byID := make(map[string]int, len(listed))
	for i, wi := range listed {
		byID[wi.ID] = i
	}
	for i := range incs {
		inc := &incs[i]
		j, ok := byID[inc.ID]
		if !ok || inc.Kind != upstat.KindIncident || inc.SeveritySource != upstat.SeverityFromText {
			continue
		}
		wi := listed[j]
		sev, ok := s.cfg.Mapper.Map(platform.domain, wi.Impact)
		if !ok {
			continue // an impact no table knows: the guess stands, marked
		}
		inc.Severity, inc.SeveritySource = sev, upstat.SeverityFromVendor
		if len(inc.Components) == 0 {
			for _, c := range wi.Components {
				inc.Components = append(inc.Components, c.Name)
			}
		}
	}
	return nil
}
