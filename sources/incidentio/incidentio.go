// Package incidentio is the adapter for status pages hosted by incident.io
// (OpenAI, Linear, HashiCorp, …): kind incidentio. It reads the JSON the
// page itself loads from /proxy/<host> (components, groups from the page's
// structure, per-component impacts, ongoing incidents with their updates,
// maintenances) or, when the url names it, the documented Widget API
// /api/v1/summary (ongoing incidents and maintenances only).
package incidentio

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
const Kind = "incidentio"

// widgetPath is the Widget API's path, relative to the page.
const widgetPath = "/api/v1/summary"

func init() {
	normalize.RegisterDomain(Kind, vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "incident.io status pages: the page's /proxy/<host> JSON, or the Widget API /api/v1/summary",
		Detect:  &sources.Detector{Order: 20, Probe: probe},
	})
}

// vocabulary maps incident.io's component statuses and impacts (the same
// words) to our scale. Note full_outage, not major_outage.
var vocabulary = map[string]upstat.Severity{
	"operational":          upstat.Operational,
	"degraded_performance": upstat.Degraded,
	"partial_outage":       upstat.PartialOutage,
	"full_outage":          upstat.MajorOutage,
	"under_maintenance":    upstat.Maintenance,
}

var _ sources.Source = (*Source)(nil)

// Source polls one incident.io page. Polls are never concurrent.
type Source struct {
	doc     fetchdoc.Doc // the document fetched: /proxy/<host> or /api/v1/summary
	page    string       // the page's public address, for links
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
	now     func() time.Time
	// listed are the ongoing incidents of the last recorded document;
	// pending those that left it and could not be looked up yet, with
	// the number of failed lookups.
	listed  map[string]bool
	pending map[string]int
	names   map[string]upstat.Component // component id → name, of the last recorded document
	proxy   bool                        // the page's own document (incidents can be looked up)
}

// New builds a Source. spec.URL is the page's address
// (https://status.openai.com), its /proxy/<host> URL, or its Widget API
// URL (…/api/v1/summary). The kind has no options. Errors wrap
// upstat.ErrInvalid and name the key.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	if err := sources.DecodeOptions(spec, Kind, &struct{}{}); err != nil {
		return nil, err
	}
	doc, page, err := documentURL(spec.URL)
	if err != nil {
		return nil, err
	}
	env = sources.WithDefaults(env)
	s := &Source{doc: fetchdoc.Doc{URL: doc, Accept: "application/json", Check: fetchdoc.JSON, DigestOnly: true}, page: page, fetcher: env.Fetcher, mapper: env.Mapper, now: env.Now, proxy: !strings.HasSuffix(doc, widgetPath)}
	return s, nil
}

// documentURL returns the JSON document to fetch for a configured url and
// the page's public address. A page address gets /proxy/<its host>.
func documentURL(raw string) (doc, page string, err error) {
	u, err := sources.ParseHTTPURL(raw, "page URL")
	if err != nil {
		return "", "", err
	}
	u.RawQuery, u.Fragment = "", ""
	path := strings.TrimRight(cleanSlashes(u.Path), "/")
	switch {
	case strings.HasSuffix(path, widgetPath):
		u.Path = path
		doc = u.String()
		u.Path = strings.TrimSuffix(path, widgetPath)
	case strings.Contains(path, "/proxy/"):
		u.Path = path
		doc = u.String()
		u.Path = path[:strings.Index(path, "/proxy/")]
	default:
		u.Path = path
		page = u.String()
		u.Path = path + "/proxy/" + u.Hostname()
		return u.String(), page, nil
	}
	return doc, u.String(), nil
}

// cleanSlashes collapses runs of slashes in a URL path: incident.io writes
// links as https://status.example.com//incidents/<id>.
func cleanSlashes(p string) string {
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	return p
}

// Poll fetches the document and normalises it. A 304 or a body identical
// to the last recorded one returns NotModified. A body that is not an
// incident.io document (an HTML page, a Statuspage-compatible summary,
// another product's JSON) fails the poll naming what it got. Ongoing
// incidents that left the page's document are looked up one by one for
// their resolution (see resolveGone). Validators, the body digest and
// the incidents listed are remembered only when the snapshot is recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	got, err := s.doc.Get(ctx, s.fetcher)
	if err != nil {
		return nil, err
	}
	if !got.Changed && len(s.pending) == 0 {
		return fetchdoc.Unchanged(got), nil
	}
	n := &normaliser{m: s.mapper, now: s.now(), page: s.page, names: s.names}
	snap, listed := &upstat.Snapshot{}, s.listed // unchanged: only retried lookups
	if got.Changed {
		d, err := decode(got.Body)
		if err != nil {
			return nil, err
		}
		snap, listed = n.document(d), ongoingIDs(d)
	}
	pending, err := s.resolveGone(ctx, n, snap, listed)
	if err != nil {
		return nil, err
	}
	snap.OnCommit(func() {
		got.Commit()
		s.listed, s.pending, s.names = listed, pending, n.names
	})
	return snap, nil
}
