// Package betterstack is the adapter for status pages hosted by Better
// Stack (formerly Better Uptime; *.betteruptime.com or a custom domain):
// kind betterstack. It reads the page's JSON, <page>/index.json (JSON:API):
// the page's aggregate state, its resources grouped in sections, and its
// status reports (incidents and maintenances) with their updates.
package betterstack

import (
	"context"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	fetchdoc "github.com/upstat/upstat/sources/internal/document"
)

// Kind is the name this adapter registers under; it is also the name of
// its severity_map domain.
const Kind = "betterstack"

func init() {
	normalize.RegisterDomain(Kind, vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Better Stack (Better Uptime) status pages: <page>/index.json",
		Detect:  &sources.Detector{Order: 50, Probe: probe},
	})
}

// vocabulary maps Better Stack's resource and aggregate states to our
// scale. not_monitored means Better Stack does not know: unknown.
var vocabulary = map[string]upstat.Severity{
	"operational":   upstat.Operational,
	"maintenance":   upstat.Maintenance,
	"degraded":      upstat.Degraded,
	"downtime":      upstat.MajorOutage,
	"not_monitored": upstat.Unknown,
}

var _ sources.Source = (*Source)(nil)

// Source polls one Better Stack page. Polls are never concurrent.
type Source struct {
	doc     fetchdoc.Doc // index.json
	page    string
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
	now     func() time.Time
}

// New builds a Source. spec.URL is the page's address
// (https://status.betterstack.com) or its …/index.json. The kind has no
// options; errors wrap upstat.ErrInvalid and name the key.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	if err := sources.DecodeOptions(spec, Kind, &struct{}{}); err != nil {
		return nil, err
	}
	u, err := sources.ParseHTTPURL(spec.URL, "page URL")
	if err != nil {
		return nil, err
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/index.json")
	page := u.String()
	env = sources.WithDefaults(env)
	doc := fetchdoc.Doc{URL: page + "/index.json", Accept: "application/vnd.api+json, application/json", Check: fetchdoc.JSON, DigestOnly: true}
	s := &Source{doc: doc, page: page, fetcher: env.Fetcher, mapper: env.Mapper, now: env.Now}
	return s, nil
}

// Poll fetches index.json and normalises it. A 304 or a body identical to
// the last recorded one is NotModified. The page's HTML shell answers 200
// for any path: anything but this JSON fails the poll naming what it got.
// Validators and the digest are remembered only once recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	return s.doc.Poll(ctx, s.fetcher, func(body []byte) (*upstat.Snapshot, error) {
		return decodeNormalize(s.page, s.mapper, s.now(), body)
	})
}
