// Package heroku is the adapter for Heroku's status API
// (https://status.heroku.com/api/v4/current-status): the colour of each
// system (Apps, Data, Tools), open incidents and scheduled maintenance.
// It registers the kind heroku and its vocabulary (colours) as the
// severity domain heroku.
package heroku

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
)

// Kind is the name this adapter registers under, and its severity domain.
const Kind = "heroku"

const currentPath = "/api/v4/current-status"

// Vocabulary maps Heroku's colours to our scale.
var Vocabulary = map[string]upstat.Severity{
	"green":  upstat.Operational,
	"blue":   upstat.Maintenance,
	"yellow": upstat.Degraded,
	"red":    upstat.MajorOutage,
}

func init() {
	normalize.RegisterDomain(Kind, Vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Heroku status API (api/v4/current-status)",
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls current-status. Polls are never concurrent.
type Source struct {
	url     string
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
	now     func() time.Time
	last    [sha256.Size]byte
	lastOK  bool
}

// New builds a Source. spec.URL is the status site
// (https://status.heroku.com); a trailing /api/v4/current-status is
// tolerated. There are no options.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	raw := strings.TrimSuffix(strings.TrimRight(strings.TrimSpace(spec.URL), "/"), currentPath)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: url: %q is not an http(s) URL", upstat.ErrInvalid, spec.URL)
	}
	if spec.Decode != nil {
		if err := spec.Decode(&struct{}{}); err != nil {
			return nil, fmt.Errorf("%w: heroku options: %w", upstat.ErrInvalid, err)
		}
	}
	s := &Source{url: raw + currentPath, fetcher: env.Fetcher, mapper: env.Mapper, now: env.Now}
	if s.fetcher == nil {
		s.fetcher = sources.NewFetcher(sources.FetchOptions{Log: env.Log})
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

var errUnconditional304 = errors.New("http 304 to an unconditional request")

// Poll fetches current-status (conditionally) and normalises it. A 304
// or an identical body returns NotModified; validators and the digest
// are remembered only once the snapshot is recorded.
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
	if err := resp.LooksLikeJSON(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(resp.Body)
	if s.lastOK && sum == s.last {
		snap := &upstat.Snapshot{NotModified: true}
		snap.OnCommit(resp.Commit)
		return snap, nil
	}
	snap, err := decodeNormalize(s.mapper, s.now(), resp.Body)
	if err != nil {
		return nil, err
	}
	snap.OnCommit(func() {
		resp.Commit()
		s.last, s.lastOK = sum, true
	})
	return snap, nil
}

// decodeNormalize is the pure step from a body to a snapshot; now decides
// which scheduled entries are stale.
func decodeNormalize(m *normalize.Mapper, now time.Time, body []byte) (*upstat.Snapshot, error) {
	c, err := decode(body)
	if err != nil {
		return nil, err
	}
	return build(m, now, c), nil
}
