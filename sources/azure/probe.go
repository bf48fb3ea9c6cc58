package azure

import (
	"context"
	"fmt"
	"strings"

	"github.com/upstat/upstat/sources"
)

// feedPath is where the status feed lives, relative to the page.
const feedPath = "/en-us/status/feed/"

// probe recognises Azure's status by host, else the status RSS (channel
// "Azure Status") at the address or at its /en-us/status/feed/.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	if sources.HostIn(page, "azure.status.microsoft", "status.azure.com") {
		return sources.Evidence{URL: DefaultURL, Why: "an Azure status host"}, true
	}
	var why []string
	for _, u := range []string{page, strings.TrimSuffix(page, "/en-us/status/feed") + feedPath} {
		resp, err := p.Get(ctx, u, accept)
		if err != nil {
			why = append(why, fmt.Sprintf("GET %s: %v", u, err))
			continue
		}
		if ch, err := decode(resp.Body); err == nil && strings.TrimSpace(ch.Title) == "Azure Status" {
			return sources.Evidence{URL: u, Why: fmt.Sprintf("GET %s: the Azure Status RSS (%d items)", u, len(ch.Items))}, true
		}
		why = append(why, "GET "+u+": not the Azure Status RSS")
	}
	return sources.Evidence{Why: strings.Join(why, "; ")}, false
}
