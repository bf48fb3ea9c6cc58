package heroku

import (
	"context"
	"fmt"

	"github.com/upstat/upstat/sources"
)

// probe recognises Heroku's status by host, else an
// /api/v4/current-status listing systems and their colours.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	if sources.HostIn(page, "status.heroku.com") {
		return sources.Evidence{URL: page, Why: "the Heroku status host"}, true
	}
	u := page + currentPath
	var c wireCurrent
	if err := p.JSON(ctx, u, &c); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", u, err)}, false
	}
	if c.Systems == nil || len(*c.Systems) == 0 || (*c.Systems)[0].System == "" {
		return sources.Evidence{Why: "GET " + u + ": JSON without systems and colours"}, false
	}
	return sources.Evidence{URL: page, Why: fmt.Sprintf("GET %s: Heroku's current status (%d systems)", u, len(*c.Systems))}, true
}
