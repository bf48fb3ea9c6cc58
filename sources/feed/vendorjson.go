package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// A Statuspage history feed carries no impact and no components: read
// from its words, the severity matches the vendor's own only about half
// the time. The page that publishes the feed also answers
// /api/v2/incidents.json (its latest incidents, each with its impact and
// affected components); when it does, the feed's incidents it lists take
// the vendor's impact and components. When it does not (an error, not
// JSON, an incident it no longer lists), the incident keeps the severity
// read from words, marked text: the feed itself is never failed for it.

// statuspageIncidentsPath is where a Statuspage page lists its incidents.
const statuspageIncidentsPath = "/api/v2/incidents.json"

// wireIncidents is the part of a Statuspage incidents.json the feed reads.
type wireIncidents struct {
	Incidents []struct {
		ID         string `json:"id"`
		Impact     string `json:"impact"`
		Components []struct {
			Name string `json:"name"`
		} `json:"components"`
	} `json:"incidents"`
}

// vendorImpacts fetches the incidents.json of the page that publishes
// the feed and gives the guessed incidents of incs it lists their
// vendor's impact (through the impact table and its overrides) and, when
// the feed named none, their components. It returns why it could not.
func (s *Source) vendorImpacts(ctx context.Context, incs []upstat.Incident) error {
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
	api := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: statuspageIncidentsPath}).String()
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
	byID := make(map[string]int, len(w.Incidents))
	for i, wi := range w.Incidents {
		byID[wi.ID] = i
	}
	for i := range incs {
		inc := &incs[i]
		j, ok := byID[inc.ID]
		if !ok || inc.Kind != upstat.KindIncident || inc.SeveritySource != upstat.SeverityFromText {
			continue
		}
		wi := w.Incidents[j]
		sev, ok := s.cfg.Mapper.Map(normalize.DomainImpact, wi.Impact)
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
