// Package betterstack is the adapter for status pages hosted by Better
// Stack (formerly Better Uptime; *.betteruptime.com or a custom domain):
// kind betterstack. It reads the page's JSON, <page>/index.json (JSON:API):
// the page's aggregate state, its resources grouped in sections, and its
// status reports (incidents and maintenances) with their updates.
package betterstack

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
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
	url, page string
	fetcher   *sources.Fetcher
	mapper    *normalize.Mapper
	now       func() time.Time
	last      [sha256.Size]byte
	seen      bool
}

// New builds a Source. spec.URL is the page's address
// (https://status.betterstack.com) or its …/index.json. The kind has no
// options; errors wrap upstat.ErrInvalid and name the key.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	if spec.Decode != nil {
		var none struct{}
		if err := spec.Decode(&none); err != nil {
			return nil, fmt.Errorf("%w: betterstack options: %w", upstat.ErrInvalid, err)
		}
	}
	u, err := url.Parse(strings.TrimSpace(spec.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: url: %q is not an http(s) page URL", upstat.ErrInvalid, spec.URL)
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/index.json")
	page := u.String()
	s := &Source{url: page + "/index.json", page: page, fetcher: env.Fetcher, mapper: env.Mapper, now: env.Now}
	if s.fetcher == nil {
		s.fetcher = sources.NewFetcher(sources.FetchOptions{Log: env.Log})
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Poll fetches index.json and normalises it. A 304 or a body identical to
// the last recorded one is NotModified. The page's HTML shell answers 200
// for any path: anything but this JSON fails the poll naming what it got.
// Validators and the digest are remembered only once recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	resp, err := s.fetcher.Get(ctx, s.url, "application/vnd.api+json, application/json")
	if err == nil && resp.NotModified && !s.seen {
		s.fetcher.Forget(s.url) // validators of another Source of this URL
		resp, err = s.fetcher.Get(ctx, s.url, "application/vnd.api+json, application/json")
	}
	switch {
	case err != nil:
		return nil, err
	case resp.NotModified:
		return &upstat.Snapshot{NotModified: true}, nil
	}
	sum := sha256.Sum256(resp.Body)
	var snap *upstat.Snapshot
	if s.seen && sum == s.last {
		snap = &upstat.Snapshot{NotModified: true}
	} else {
		if err := resp.LooksLikeJSON(); err != nil {
			return nil, err
		}
		if snap, err = decodeNormalize(s.page, s.mapper, s.now(), resp.Body); err != nil {
			return nil, err
		}
	}
	snap.OnCommit(func() { resp.Commit(); s.last, s.seen = sum, true })
	return snap, nil
}
