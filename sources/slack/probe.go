package slack

import (
	"context"
	"fmt"

	"github.com/upstat/upstat/sources"
)

// probe recognises Slack's status by host, else a status API at
// /api/v2.0.0/current with a status and an active_incidents list.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	if sources.HostIn(page, "slack-status.com", "status.slack.com") {
		return sources.Evidence{URL: page, Why: "a Slack status host"}, true
	}
	u := page + currentPath
	var c wireCurrent
	if err := p.JSON(ctx, u, &c); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", u, err)}, false
	}
	if c.Status == nil || c.Incidents == nil {
		return sources.Evidence{Why: "GET " + u + ": JSON without status and active_incidents"}, false
	}
	return sources.Evidence{URL: page, Why: fmt.Sprintf("GET %s: Slack's current status (%s)", u, *c.Status)}, true
}
