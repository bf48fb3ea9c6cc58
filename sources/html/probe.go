package html

import (
	"context"
	"fmt"
	"strings"

	"github.com/upstat/upstat/sources"
)

// probe recognises an HTML status page one of the presets reads: the
// first preset (in name order) that finds incidents or components in it.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	resp, err := p.Get(ctx, page, accept)
	if err != nil {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: %v", page, err)}, false
	}
	if !strings.Contains(strings.ToLower(resp.ContentType), "html") {
		return sources.Evidence{Why: fmt.Sprintf("GET %s: content type %q is not HTML", page, resp.ContentType)}, false
	}
	for _, name := range Presets() {
		res, err := Parse(resp.Body, resp.ContentType, Config{Preset: name, URL: page})
		if err != nil || (len(res.Snapshot.Incidents) == 0 && len(res.Snapshot.Components) == 0) {
			continue
		}
		return sources.Evidence{URL: page, Options: map[string]any{"preset": name},
			Why: fmt.Sprintf("GET %s: preset %s reads %d incidents, %d components", page, name, len(res.Snapshot.Incidents), len(res.Snapshot.Components))}, true
	}
	return sources.Evidence{Why: "GET " + page + ": HTML that no preset reads (" + strings.Join(Presets(), ", ") + ")"}, false
}
