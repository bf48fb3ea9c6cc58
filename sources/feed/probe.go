package feed

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/upstat/upstat/sources"
)

// Feed discovery in a page's HTML: <link rel="alternate" type="…" href="…">.
var (
	linkTag  = regexp.MustCompile(`(?is)<link\b[^>]*>`)
	linkAttr = regexp.MustCompile(`(?is)\b(rel|type|href)\s*=\s*(?:"([^"]*)"|'([^']*)')`)
)

// probe recognises a feed: the address itself, the feed its HTML
// advertises (<link rel="alternate" type="application/atom+xml" …>), or
// the page's /history.atom. The format is left to auto-detection.
func probe(ctx context.Context, p *sources.Prober, page string) (sources.Evidence, bool) {
	candidates := []string{page}
	if resp, err := p.Get(ctx, page, accept); err == nil {
		candidates = append(candidates, alternates(page, string(resp.Body))...)
	}
	candidates = append(candidates, page+"/history.atom")
	var why []string
	for _, u := range candidates {
		resp, err := p.Get(ctx, u, accept)
		if err != nil {
			why = append(why, fmt.Sprintf("GET %s: %v", u, err))
			continue
		}
		res, err := Parse(resp.Body, Config{Format: FormatAuto})
		if err != nil {
			why = append(why, fmt.Sprintf("GET %s: not a feed", u))
			continue
		}
		how := "GET " + u
		if u != page && u != page+"/history.atom" {
			how = "the page links " + u
		}
		return sources.Evidence{URL: u, Why: fmt.Sprintf("%s: a feed (%s, %d incidents)", how, res.Format, len(res.Incidents))}, true
	}
	return sources.Evidence{Why: strings.Join(why, "; ")}, false
}

// alternates returns the absolute URLs of the feeds an HTML page links
// as alternates.
func alternates(page, body string) []string {
	base, err := url.Parse(page + "/")
	if err != nil {
		return nil
	}
	var out []string
	for _, tag := range linkTag.FindAllString(body, 50) {
		attrs := map[string]string{}
		for _, m := range linkAttr.FindAllStringSubmatch(tag, -1) {
			attrs[strings.ToLower(m[1])] = m[2] + m[3]
		}
		t := strings.ToLower(attrs["type"])
		if !strings.EqualFold(attrs["rel"], "alternate") || attrs["href"] == "" ||
			!(strings.Contains(t, "rss") || strings.Contains(t, "atom") || strings.Contains(t, "feed+json")) {
			continue
		}
		if ref, err := base.Parse(attrs["href"]); err == nil {
			out = append(out, ref.String())
		}
	}
	return out
}
