package betterstack

import (
	"context"
	"fmt"

	"github.com/upstat/upstat/sources"
)

// probe recognises a Better Stack page by its /index.json, a JSON:API
// document whose data is a status_page.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	u := page + "/index.json"
	var d struct {
		Data *struct {
			Type string `json:"type"`
		} `json:"data"`
	}
	if err := p.JSON(ctx, u, &d); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", u, err)}, false
	}
	if d.Data == nil || d.Data.Type != "status_page" {
		return sources.Evidence{Why: "GET " + u + ": JSON whose data is not a status_page"}, false
	}
	return sources.Evidence{URL: page, Why: "GET " + u + ": a Better Stack status_page document"}, true
}
