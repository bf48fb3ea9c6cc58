package statusio

import (
	"context"
	"fmt"
	"regexp"

	"github.com/upstat/upstat/sources"
)

// apiInPage finds the status API's URL in a page's HTML.
var apiInPage = regexp.MustCompile(`https?://[^\s"'<>]+/1\.0/status/[0-9a-f]{24}`)

// probe recognises a status.io page: the status API URL itself, or a
// page whose HTML names it, when that URL answers a status document.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	api := page
	if !apiPath.MatchString(page) {
		resp, err := p.Get(ctx, page, "text/html")
		if err != nil {
			return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", page, err)}, false
		}
		if api = apiInPage.FindString(string(resp.Body)); api == "" {
			return sources.Evidence{Why: "GET " + page + ": no status.io API URL (…/1.0/status/<page_id>) in the page"}, false
		}
	}
	var d document
	if err := p.JSON(ctx, api, &d); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", api, err)}, false
	}
	if d.Result == nil || d.Result.Overall == nil {
		return sources.Evidence{Why: "GET " + api + ": JSON without result.status_overall"}, false
	}
	return sources.Evidence{URL: api, Why: fmt.Sprintf("GET %s: a status.io status document (overall %s)", api, d.Result.Overall.Status)}, true
}
