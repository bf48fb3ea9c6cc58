// Package aws is the adapter for the AWS Health Dashboard: its public
// currentevents document (https://health.aws.amazon.com/public/currentevents),
// every open event with the services it impacts per region, or one per
// service-region RSS feed (status.aws.amazon.com/rss/ec2-us-east-1.rss).
// It registers the kind aws and its vocabulary (status codes 0–3 and the
// RSS title prefixes) as the severity domain aws.
package aws

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
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
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls currentevents. Polls are never concurrent.
type Source struct {
	url     string
	rss     bool // a per service-region RSS feed, not currentevents
	filter  filter
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
	// last is the digest of the last recorded body; lastOK once one was.
	last   [sha256.Size]byte
	lastOK bool
	// seen holds every component a recorded snapshot reported: when an
	// event ends, its services are reported operational again instead of
	// vanishing.
	seen map[string]upstat.Component
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
	u, err := url.Parse(strings.TrimSpace(spec.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: url: %q is not an http(s) URL", upstat.ErrInvalid, spec.URL)
	}
	rss := strings.HasSuffix(u.Path, ".rss")
	if !rss && !strings.HasSuffix(u.Path, "/currentevents") {
		u.Path = strings.TrimRight(u.Path, "/") + "/public/currentevents"
	}
	var o options
	if spec.Decode != nil {
		if err := spec.Decode(&o); err != nil {
			return nil, fmt.Errorf("%w: aws options: %w", upstat.ErrInvalid, err)
		}
	}
	s := &Source{url: u.String(), rss: rss, filter: newFilter(o), fetcher: env.Fetcher, mapper: env.Mapper, seen: map[string]upstat.Component{}}
	if s.fetcher == nil {
		s.fetcher = sources.NewFetcher(sources.FetchOptions{Log: env.Log})
	}
	return s, nil
}

var errUnconditional304 = errors.New("http 304 to an unconditional request")

// Poll fetches currentevents (conditionally) and normalises it. A 304 or
// an identical body returns NotModified. Validators, the digest and the
// components seen are remembered only once the snapshot is recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	resp, err := s.fetcher.Get(ctx, s.url, "application/json")
	if err == nil && resp.NotModified && !s.lastOK {
		s.fetcher.Forget(s.url)
		if resp, err = s.fetcher.Get(ctx, s.url, "application/json"); err == nil && resp.NotModified {
			err = errUnconditional304
		}
	}
	if err != nil {
		return nil, err
	}
	if resp.NotModified {
		return &upstat.Snapshot{NotModified: true}, nil
	}
	sum := sha256.Sum256(resp.Body)
	if s.lastOK && sum == s.last {
		snap := &upstat.Snapshot{NotModified: true}
		snap.OnCommit(resp.Commit)
		return snap, nil
	}
	if s.rss {
		snap, err := buildFeed(s.mapper, s.filter, resp.Body)
		if err != nil {
			return nil, err
		}
		snap.OnCommit(func() {
			resp.Commit()
			s.last, s.lastOK = sum, true
		})
		return snap, nil
	}
	if err := resp.LooksLikeJSON(); err != nil {
		return nil, err
	}
	snap, err := decodeNormalize(s.mapper, s.filter, resp.Body)
	if err != nil {
		return nil, err
	}
	seen := maps.Clone(s.seen)
	for _, c := range snap.Components {
		seen[c.Key()] = c
	}
	snap.Components = recovered(snap.Components, s.seen)
	snap.OnCommit(func() {
		resp.Commit()
		s.last, s.lastOK, s.seen = sum, true, seen
	})
	return snap, nil
}

// decodeNormalize is the pure step from a body to a snapshot.
func decodeNormalize(m *normalize.Mapper, f filter, body []byte) (*upstat.Snapshot, error) {
	evs, err := decode(body)
	if err != nil {
		return nil, err
	}
	return build(m, f, evs), nil
}
