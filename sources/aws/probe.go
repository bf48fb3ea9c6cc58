package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/upstat/upstat/sources"
)

// probe recognises the AWS Health Dashboard by host, else a
// /public/currentevents beside the page listing events with ARNs.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	if sources.HostIn(page, "health.aws.amazon.com", "status.aws.amazon.com") {
		if strings.HasSuffix(page, ".rss") {
			return sources.Evidence{URL: page, Why: "an AWS status host (a service-region RSS feed)"}, true
		}
		return sources.Evidence{URL: DefaultURL, Why: "an AWS status host"}, true
	}
	u := page + "/public/currentevents"
	var evs []struct {
		ARN string `json:"arn"`
	}
	if err := p.JSON(ctx, u, &evs); err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", u, err)}, false
	}
	if len(evs) == 0 || !strings.HasPrefix(evs[0].ARN, "arn:aws:health:") {
		return sources.Evidence{Why: "GET " + u + ": no AWS Health events"}, false
	}
	return sources.Evidence{URL: page, Why: fmt.Sprintf("GET %s: AWS Health events (%d)", u, len(evs))}, true
}
