package incidentio

import (
	"context"
	"fmt"
	"strings"

	"github.com/upstat/upstat/sources"
)

// probe recognises an incident.io page by the JSON the page itself loads
// from /proxy/<host>, else by its Widget API (/api/v1/summary).
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	doc, _, err := documentURL(page)
	if err != nil {
		return sources.Evidence{Why: err.Error()}, false
	}
	var why []string
	for _, u := range []string{doc, page + widgetPath} {
		var d struct {
			Summary   *struct{} `json:"summary"`
			PageTitle *string   `json:"page_title"`
		}
		switch err := p.JSON(ctx, u, &d); {
		case err != nil:
			why = append(why, fmt.Sprintf("GET %s: %v", u, err))
		case d.Summary != nil:
			return sources.Evidence{URL: page, Why: "GET " + u + ": the page's incident.io document (summary)"}, true
		case d.PageTitle != nil:
			return sources.Evidence{URL: u, Why: "GET " + u + ": the incident.io Widget API (page_title)"}, true
		default:
			why = append(why, "GET "+u+": JSON that is not incident.io's")
		}
	}
	return sources.Evidence{Why: strings.Join(why, "; ")}, false
}
