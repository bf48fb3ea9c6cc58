// Package gcp is the adapter for incidents.json, the status history that
// Google Cloud (status.cloud.google.com), Google Workspace and Google
// Search publish in one schema: every incident of about a year, open and
// closed, with affected products and locations. It registers the kind gcp
// and its vocabulary (status_impact × severity) as the severity domain gcp.
package gcp

import (
	"context"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/internal/document"
)

// Kind is the name this adapter registers under, and its severity domain.
const Kind = "gcp"

// DefaultURL is Google Cloud's incidents.json.
const DefaultURL = "https://status.cloud.google.com/incidents.json"

// Vocabulary maps a status_impact, optionally with "/<severity>", to our
// scale. A "<impact>/<severity>" key wins over the bare impact, so a
// severity high outage is a major outage and a medium one a partial
// outage. AVAILABLE is the word of an update saying service is restored.
var Vocabulary = map[string]upstat.Severity{
	"service_information":     upstat.Operational,
	"service_disruption":      upstat.Degraded,
	"service_disruption/high": upstat.PartialOutage,
	"service_outage":          upstat.PartialOutage,
	"service_outage/high":     upstat.MajorOutage,
	"available":               upstat.Operational,
}

func init() {
	normalize.RegisterDomain(Kind, Vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Google Cloud / Workspace / Search incidents.json (options: products, locations)",
		Detect:  &sources.Detector{Order: 70, Probe: probe},
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls one incidents.json. Polls are never concurrent.
type Source struct {
	doc     document.Doc
	filter  filter
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
}

// options are the kind-specific settings of a gcp source.
type options struct {
	// Products keeps incidents affecting one of these products (title or
	// id, case-insensitive); empty keeps all.
	Products []string `yaml:"products" json:"products"`
	// Locations keeps incidents affecting one of these locations (id such
	// as europe-north1, or title); empty keeps all.
	Locations []string `yaml:"locations" json:"locations"`
}

// New builds a Source. spec.URL is the incidents.json URL, or a page
// home (https://status.cloud.google.com) to which /incidents.json is
// appended. Options: products and locations (lists, empty = all).
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	u, err := docURL(spec.URL)
	if err != nil {
		return nil, err
	}
	var o options
	if err := sources.DecodeOptions(spec, Kind, &o); err != nil {
		return nil, err
	}
	env = sources.WithDefaults(env)
	s := &Source{doc: document.Doc{URL: u, Accept: "application/json", Check: document.JSON}, filter: newFilter(o), fetcher: env.Fetcher, mapper: env.Mapper}
	return s, nil
}

// docURL returns the incidents.json URL for a configured URL.
func docURL(raw string) (string, error) {
	u, err := sources.ParseHTTPURL(raw, "URL")
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(u.Path, ".json") {
		u.Path = strings.TrimRight(u.Path, "/") + "/incidents.json"
	}
	return u.String(), nil
}

// Poll fetches incidents.json (conditionally) and normalises it. A 304 or
// a body identical to the last recorded one returns NotModified. The
// validators and the digest are remembered only when the poller records
// the snapshot (Snapshot.Commit).
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	return s.doc.Poll(ctx, s.fetcher, func(body []byte) (*upstat.Snapshot, error) {
		return decodeNormalize(s.doc.URL, s.mapper, s.filter, body)
	})
}

// decodeNormalize is the pure step from a body to a snapshot.
func decodeNormalize(docURL string, m *normalize.Mapper, f filter, body []byte) (*upstat.Snapshot, error) {
	incs, err := decode(body)
	if err != nil {
		return nil, err
	}
	return build(docURL, m, f, incs), nil
}
