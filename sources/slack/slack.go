// Package slack is the adapter for Slack's status API
// (https://slack-status.com/api/v2.0.0/current and …/history): active
// incidents, notices, outages and maintenance with the Slack services
// they affect. It registers the kind slack and its vocabulary (incident
// types) as the severity domain slack.
package slack

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/internal/document"
)

// Kind is the name this adapter registers under, and its severity domain.
const Kind = "slack"

// API paths, relative to the status site.
const (
	currentPath = "/api/v2.0.0/current"
	historyPath = "/api/v2.0.0/history"
)

// Vocabulary maps an incident's type to our scale.
var Vocabulary = map[string]upstat.Severity{
	"notice":      upstat.Operational,
	"incident":    upstat.Degraded,
	"outage":      upstat.MajorOutage,
	"maintenance": upstat.Maintenance,
}

func init() {
	normalize.RegisterDomain(Kind, Vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Slack status API (api/v2.0.0/current and history)",
		Detect:  &sources.Detector{Order: 73, Probe: probe},
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls Slack's status API. Polls are never concurrent.
type Source struct {
	current, history document.Doc
	fetcher          *sources.Fetcher
	mapper           *normalize.Mapper
	log              *slog.Logger
}

// New builds a Source. spec.URL is the status site
// (https://slack-status.com); a trailing /api/v2.0.0/current is
// tolerated. There are no options.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	raw := strings.TrimRight(strings.TrimSpace(spec.URL), "/")
	for _, suffix := range []string{currentPath, historyPath, "/api/v2.0.0"} {
		raw = strings.TrimSuffix(raw, suffix)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: url: %q is not an http(s) URL", upstat.ErrInvalid, spec.URL)
	}
	if err := sources.DecodeOptions(spec, Kind, &struct{}{}); err != nil {
		return nil, err
	}
	env = sources.WithDefaults(env)
	s := &Source{current: jsonDoc(raw + currentPath), history: jsonDoc(raw + historyPath),
		fetcher: env.Fetcher, mapper: env.Mapper, log: env.Log}
	return s, nil
}

func jsonDoc(u string) document.Doc {
	return document.Doc{URL: u, Accept: "application/json", Check: document.JSON}
}

// Poll fetches current and history (both conditionally). A current that
// fails fails the poll; a failed history is logged, the snapshot is built
// from current alone and says so in HistoryErr. Nothing changed in either
// document: NotModified. Bodies and validators are remembered only when
// the snapshot is recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	cur, err := s.current.Get(ctx, s.fetcher)
	if err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	hist, herr := s.history.Get(ctx, s.fetcher)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if herr == nil && !cur.Changed && !hist.Changed {
		return document.Unchanged(cur, hist), nil
	}
	active, err := decodeCurrent(cur.Body)
	if err != nil {
		return nil, err
	}
	var past []wireIncident
	if herr == nil {
		past, herr = decodeHistory(hist.Body)
	}
	if herr != nil {
		s.log.Warn("slack history unreadable", "url", s.history.URL, "error", herr)
	}
	snap := build(s.mapper, active, past)
	if herr != nil {
		snap.HistoryErr = "history: " + herr.Error()
	}
	snap.OnCommit(cur.Commit)
	if herr == nil {
		snap.OnCommit(hist.Commit)
	}
	return snap, nil
}

// decodeNormalize is the pure step from the two bodies (history may be
// nil: not fetched) to a snapshot.
func decodeNormalize(m *normalize.Mapper, current, history []byte) (*upstat.Snapshot, error) {
	active, err := decodeCurrent(current)
	if err != nil {
		return nil, err
	}
	var past []wireIncident
	if history != nil {
		if past, err = decodeHistory(history); err != nil {
			return nil, err
		}
	}
	return build(m, active, past), nil
}
