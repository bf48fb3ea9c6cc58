// Package aws is the adapter for the AWS Health Dashboard: its public
// currentevents document (https://health.aws.amazon.com/public/currentevents),
// every open event with the services it impacts per region, or one per
// service-region RSS feed (status.aws.amazon.com/rss/ec2-us-east-1.rss).
// It registers the kind aws and its vocabulary (status codes 0–3 and the
// RSS title prefixes) as the severity domain aws.
package aws

import (
	"context"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/internal/document"
)

// Kind is the name this adapter registers under, and its severity domain.
const Kind = "aws"

// DefaultURL is the AWS Health Dashboard's open events.
const DefaultURL = "https://health.aws.amazon.com/public/currentevents"

// statusURL is where AWS shows an event (events have no page of their own).
const statusURL = "https://health.aws.amazon.com/health/status"

// Vocabulary maps AWS status codes (currentevents: 0 operating normally,
// 1 informational, 2 degradation, 3 disruption) and the title prefixes
// of the RSS feeds to our scale.
var Vocabulary = map[string]upstat.Severity{
	"0":                             upstat.Operational,
	"1":                             upstat.Operational,
	"2":                             upstat.Degraded,
	"3":                             upstat.PartialOutage,
	"service is operating normally": upstat.Operational,
	"informational message":         upstat.Operational,
	"performance issues":            upstat.Degraded,
	"service degradation":           upstat.Degraded,
	"service disruption":            upstat.PartialOutage,
}

func init() {
	normalize.RegisterDomain(Kind, Vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "AWS Health Dashboard public/currentevents (options: regions, services)",
		Detect:  &sources.Detector{Order: 71, Probe: probe},
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls currentevents or one RSS feed. Polls are never concurrent.
type Source struct {
	doc     document.Doc
	rss     bool // a per service-region RSS feed, not currentevents
	filter  filter
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
	// seen makes the services of an event that left currentevents come
	// back operational instead of vanishing.
	seen document.Seen
}

// options are the kind-specific settings of an aws source.
type options struct {
	// Regions keeps events and services in these regions (us-east-1,
	// global, or AWS's display name such as "N. Virginia"); empty = all.
	Regions []string `yaml:"regions" json:"regions"`
	// Services keeps these services (code such as ec2, or display name
	// such as "Amazon Elastic Compute Cloud"); empty = all.
	Services []string `yaml:"services" json:"services"`
}

// New builds a Source. spec.URL is the currentevents URL, the
// dashboard's home (https://health.aws.amazon.com) to which
// /public/currentevents is appended, or a per service-region RSS feed
// (a URL ending in .rss). Options: regions and services.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	u, err := sources.ParseHTTPURL(spec.URL, "URL")
	if err != nil {
		return nil, err
	}
	rss := strings.HasSuffix(u.Path, ".rss")
	if !rss && !strings.HasSuffix(u.Path, "/currentevents") {
		u.Path = strings.TrimRight(u.Path, "/") + "/public/currentevents"
	}
	var o options
	if err := sources.DecodeOptions(spec, Kind, &o); err != nil {
		return nil, err
	}
	env = sources.WithDefaults(env)
	s := &Source{doc: document.Doc{URL: u.String(), Accept: "application/json", Check: document.JSON}, rss: rss,
		filter: newFilter(o), fetcher: env.Fetcher, mapper: env.Mapper}
	if rss {
		s.doc.Accept, s.doc.Check = "application/rss+xml, application/xml;q=0.9", nil
	}
	return s, nil
}

// Poll fetches the document (conditionally) and normalises it. A 304 or
// an identical body returns NotModified. Validators, the body and the
// components seen are remembered only once the snapshot is recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	return s.doc.Poll(ctx, s.fetcher, func(body []byte) (*upstat.Snapshot, error) {
		if s.rss {
			return buildFeed(s.mapper, s.filter, body)
		}
		snap, err := decodeNormalize(s.mapper, s.filter, body)
		if err == nil {
			s.seen.Report(snap)
		}
		return snap, err
	})
}

// decodeNormalize is the pure step from a body to a snapshot.
func decodeNormalize(m *normalize.Mapper, f filter, body []byte) (*upstat.Snapshot, error) {
	evs, err := decode(body)
	if err != nil {
		return nil, err
	}
	return build(m, f, evs), nil
}
