package cachet

import (
	"context"
	"fmt"

	"github.com/upstat/upstat/sources"
)

// probe recognises a Cachet instance by its API's /api/v1/ping, which
// answers {"data": "Pong!"}.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	u := page + "/api/v1/ping"
	var d struct {
		Data string `json:"data"`
	}
	if err := p.JSON(ctx, u, &d); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", u, err)}, false
	}
	if d.Data != "Pong!" {
		return sources.Evidence{Why: "GET " + u + `: not Cachet's {"data": "Pong!"}`}, false
	}
	return sources.Evidence{URL: page, Why: "GET " + u + ": Cachet's API answered Pong!"}, true
}
