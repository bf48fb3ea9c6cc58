// Package heroku is the adapter for Heroku's status API
// (https://status.heroku.com/api/v4/current-status): the colour of each
// system (Apps, Data, Tools), open incidents and scheduled maintenance.
// Recent incidents come from api/v4/incidents. It registers the kind heroku and its vocabulary (colours) as the
// severity domain heroku.
package heroku

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/internal/document"
)

// Kind is the name this adapter registers under, and its severity domain.
const Kind = "heroku"

// API paths, relative to the status site.
const (
	currentPath = "/api/v4/current-status"
	historyPath = "/api/v4/incidents?limit=20"
)

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
		Summary: "Heroku status API (api/v4/current-status and incidents)",
		Detect:  &sources.Detector{Order: 74, Probe: probe},
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls current-status and the recent incidents. Polls are never
// concurrent.
type Source struct {
	current, history document.Doc
	fetcher          *sources.Fetcher
	mapper           *normalize.Mapper
	now              func() time.Time
	log              *slog.Logger
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
	if err := sources.DecodeOptions(spec, Kind, &struct{}{}); err != nil {
		return nil, err
	}
	env = sources.WithDefaults(env)
	s := &Source{current: jsonDoc(raw + currentPath), history: jsonDoc(raw + historyPath),
		fetcher: env.Fetcher, mapper: env.Mapper, now: env.Now, log: env.Log}
	return s, nil
}

func jsonDoc(u string) document.Doc {
	return document.Doc{URL: u, Accept: "application/json", Check: document.JSON}
}

// Poll fetches current-status and the recent incidents (both
// conditionally). A current-status that fails fails the poll; failed or
// unreadable incidents are logged, the snapshot is built from
// current-status alone and says so in HistoryErr. Nothing changed in
// either: NotModified. Bodies and validators are remembered only when
// the snapshot is recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	cur, err := s.current.Get(ctx, s.fetcher)
	if err != nil {
		return nil, fmt.Errorf("current-status: %w", err)
	}
	hist, herr := s.history.Get(ctx, s.fetcher)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if herr == nil && !cur.Changed && !hist.Changed {
		return document.Unchanged(cur, hist), nil
	}
	c, err := decode(cur.Body)
	if err != nil {
		return nil, err
	}
	var past []wireIncident
	if herr == nil {
		past, herr = decodeHistory(hist.Body)
	}
	if herr != nil {
		s.log.Warn("heroku incidents unreadable", "url", s.history.URL, "error", herr)
	}
	snap := build(s.mapper, s.now(), c, past)
	if herr != nil {
		snap.HistoryErr = "incidents: " + herr.Error()
	}
	snap.OnCommit(cur.Commit)
	if herr == nil {
		snap.OnCommit(hist.Commit)
	}
	return snap, nil
}

// decodeNormalize is the pure step from the bodies (history may be nil:
// not fetched) to a snapshot; now decides which scheduled entries are
// stale.
func decodeNormalize(m *normalize.Mapper, now time.Time, current, history []byte) (*upstat.Snapshot, error) {
	c, err := decode(current)
	if err != nil {
		return nil, err
	}
	var past []wireIncident
	if history != nil {
		if past, err = decodeHistory(history); err != nil {
			return nil, err
		}
	}
	return build(m, now, c, past), nil
}
