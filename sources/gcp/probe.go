package gcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/upstat/upstat/sources"
)

// probe recognises Google's status pages by host, else an incidents.json
// beside the page whose incidents have ids, begin times and
// descriptions.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	u, err := docURL(page)
	if err != nil {
		return sources.Evidence{Why: err.Error()}, false
	}
	if sources.HostIn(page, "status.cloud.google.com", "status.search.google.com") ||
		(sources.HostIn(page, "www.google.com") && strings.Contains(page, "/appsstatus")) {
		return sources.Evidence{URL: u, Why: "a Google status host"}, true
	}
	var incs []wireIncident
	if err := p.JSON(ctx, u, &incs); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", u, err)}, false
	}
	if len(incs) == 0 || incs[0].ID == "" || incs[0].Begin == nil || incs[0].ExternalDesc == "" {
		return sources.Evidence{Why: "GET " + u + ": not a list of Google Cloud incidents"}, false
	}
	return sources.Evidence{URL: u, Why: fmt.Sprintf("GET %s: Google Cloud incidents (%d)", u, len(incs))}, true
}
