package instatus

import (
	"context"
	"fmt"

	"github.com/upstat/upstat/sources"
)

// probe recognises an Instatus page by its /summary.json: a page whose
// status is one of Instatus's words (UP, HASISSUES, UNDERMAINTENANCE).
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	summary, _, err := endpoints(page)
	if err != nil {
		return sources.Evidence{Why: err.Error()}, false
	}
	var d struct {
		Page *struct {
			Status string `json:"status"`
		} `json:"page"`
	}
	if err := p.JSON(ctx, summary, &d); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", summary, err)}, false
	}
	if d.Page == nil {
		return sources.Evidence{Why: "GET " + summary + ": JSON without page.status"}, false
	}
	switch d.Page.Status {
	case "UP", "HASISSUES", "UNDERMAINTENANCE":
		return sources.Evidence{URL: page, Why: fmt.Sprintf("GET %s: an Instatus summary (page.status %s)", summary, d.Page.Status)}, true
	}
	return sources.Evidence{Why: fmt.Sprintf("GET %s: page.status %q is not an Instatus status", summary, d.Page.Status)}, false
}
