package statuspage

import (
	"context"
	"fmt"
	"regexp"

	"github.com/upstat/upstat/sources"
)

// ulidPattern is the shape of incident.io's ids (26 characters of
// Crockford's base 32); Statuspage's page ids are 12 lowercase characters.
var ulidPattern = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// probe recognises a Statuspage page by its /api/v2/summary.json: a page
// with an id and a status indicator. incident.io serves a compatible
// shim at the same path; a ULID page id or null incident lists give it
// away, and it is left to the incidentio probe.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	u := page + "/api/v2/summary.json"
	var doc struct {
		Page *struct {
			ID string `json:"id"`
		} `json:"page"`
		Status *struct {
			Indicator string `json:"indicator"`
		} `json:"status"`
		Incidents *[]struct{} `json:"incidents"`
	}
	if err := p.JSON(ctx, u, &doc); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", u, err)}, false
	}
	switch {
	case doc.Page == nil || doc.Status == nil || doc.Status.Indicator == "":
		return sources.Evidence{Why: "GET " + u + ": JSON without page and status.indicator"}, false
	case ulidPattern.MatchString(doc.Page.ID) || doc.Incidents == nil:
		return sources.Evidence{Why: "GET " + u + ": incident.io's Statuspage-compatible shim (ULID page id or null incidents), not Statuspage"}, false
	}
	return sources.Evidence{URL: page, Why: fmt.Sprintf("GET %s: a Statuspage summary (page %s, indicator %s)", u, doc.Page.ID, doc.Status.Indicator)}, true
}
