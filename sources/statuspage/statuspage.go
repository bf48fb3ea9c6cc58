// Package statuspage is the adapter for pages hosted on Atlassian
// Statuspage (and the Statuspage-compatible API other hosts imitate). It
// polls /api/v2/summary.json every time and, at a slower cadence,
// /api/v2/incidents.json and /api/v2/scheduled-maintenances.json for the
// recent history, and normalises them into an upstat.Snapshot.
package statuspage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
)

// Kind is the name this adapter registers under.
const Kind = "statuspage"

// DefaultHistoryInterval is how often the history endpoints are fetched
// when the history_interval option is not set.
const DefaultHistoryInterval = 5 * time.Minute

// API paths, relative to the page's base URL.
const (
	summaryPath      = "/api/v2/summary.json"
	incidentsPath    = "/api/v2/incidents.json"
	maintenancesPath = "/api/v2/scheduled-maintenances.json"
)

// maxResolveRetries bounds how many polls in a row retry a failed history
// fetch that was triggered by an incident leaving the summary.
const maxResolveRetries = 3

func init() {
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Atlassian Statuspage JSON API (summary.json, incidents.json, scheduled-maintenances.json)",
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls one Statuspage page. It is not safe for concurrent Polls
// (the scheduler never does that); it keeps the last decoded documents so
// that a poll where only the summary changed still reports full history.
type Source struct {
	base         string
	historyEvery time.Duration
	fetcher      *sources.Fetcher
	mapper       *normalize.Mapper
	now          func() time.Time
	log          *slog.Logger
	// decode is the document decoder; tests wrap it to count parses.
	decode func(docKind, []byte) (*document, error)

	summary, incidents, maintenances cached
	historyAt                        time.Time // last history attempt
	// listed maps the incidents and maintenances of the last summary to
	// the number of failed history fetches since each left it.
	listed map[string]int
}

// cached is the last decoded version of one endpoint's document.
type cached struct {
	doc *document
	sum [sha256.Size]byte
}

// New builds a Source for spec. spec.URL is the page's base URL
// (https://www.githubstatus.com); a trailing slash or /api/v2/... suffix is
// tolerated. The only option is history_interval (a duration string,
// default 5m). Configuration errors wrap upstat.ErrInvalid and name the key.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	base, err := baseURL(spec.URL)
	if err != nil {
		return nil, err
	}
	every, err := decodeOptions(spec.Decode)
	if err != nil {
		return nil, err
	}
	s := &Source{
		base:         base,
		historyEvery: every,
		fetcher:      env.Fetcher,
		mapper:       env.Mapper,
		now:          env.Now,
		log:          env.Log,
		decode:       decode,
		listed:       map[string]int{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.fetcher == nil {
		s.fetcher = sources.NewFetcher(sources.FetchOptions{Log: s.log})
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.log = s.log.With("vendor", spec.Vendor, "kind", Kind)
	return s, nil
}

func baseURL(raw string) (string, error) {
	b := strings.TrimSpace(raw)
	b = strings.TrimRight(b, "/")
	for _, suffix := range []string{summaryPath, "/api/v2"} {
		b = strings.TrimSuffix(b, suffix)
	}
	b = strings.TrimRight(b, "/")
	u, err := url.Parse(b)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: url: %q is not an http(s) page URL", upstat.ErrInvalid, raw)
	}
	return b, nil
}

// options are the kind-specific settings of a statuspage source.
type options struct {
	// HistoryInterval is how often incidents.json and
	// scheduled-maintenances.json are fetched ("5m").
	HistoryInterval string `yaml:"history_interval" json:"history_interval"`
}

// decodeOptions reads the options through spec.Decode, which is strict:
// an unknown key is its error, naming the key (and, from a config file,
// its line).
func decodeOptions(dec func(any) error) (time.Duration, error) {
	every := DefaultHistoryInterval
	if dec == nil {
		return every, nil
	}
	var o options
	if err := dec(&o); err != nil {
		return 0, fmt.Errorf("%w: statuspage options: %w", upstat.ErrInvalid, err)
	}
	if o.HistoryInterval != "" {
		d, err := time.ParseDuration(o.HistoryInterval)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%w: history_interval: %q is not a positive duration", upstat.ErrInvalid, o.HistoryInterval)
		}
		every = d
	}
	return every, nil
}

// Poll fetches the summary and, when due, the history endpoints. It returns
// NotModified, parsing nothing, when the summary is unchanged (304 or an
// identical body) and no history fetch brought anything new. A summary
// failure fails the poll; a history failure is logged and the last good
// history is used, since the summary alone is a complete current picture.
// State (cached documents, validators) is committed only when Poll
// succeeds, so a failed poll is retried in full.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	now := s.now()
	var commits []*sources.Response
	summary, changed, resp, err := s.fetch(ctx, summaryPath, docSummary, s.summary)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	commits = append(commits, resp)

	// Statuspage's summary lists unresolved incidents only: when one
	// disappears it was resolved (or deleted), and incidents.json says
	// which, so fetch it now rather than at the next history tick.
	current := listedIDs(summary.doc)
	var gone []string
	for id := range s.listed {
		if !current[id] {
			gone = append(gone, id)
		}
	}
	incidents, maintenances := s.incidents, s.maintenances
	historyAt, historyOK := s.historyAt, true
	if historyAt.IsZero() || now.Sub(historyAt) >= s.historyEvery || len(gone) > 0 {
		hchanged, ok, hcommits, err := s.fetchHistory(ctx, &incidents, &maintenances)
		if err != nil {
			return nil, err
		}
		changed, historyOK, historyAt = changed || hchanged, ok, now
		commits = append(commits, hcommits...)
	}

	listed := make(map[string]int, len(current))
	for id := range current {
		listed[id] = 0
	}
	if !historyOK {
		// Retry on the next polls, a few times, so a transient failure
		// does not hide a resolution until the next history tick.
		for _, id := range gone {
			if n := s.listed[id] + 1; n < maxResolveRetries {
				listed[id] = n
			}
		}
	}

	s.summary, s.incidents, s.maintenances = summary, incidents, maintenances
	s.historyAt, s.listed = historyAt, listed
	for _, r := range commits {
		r.Commit()
	}
	if !changed {
		return &upstat.Snapshot{NotModified: true}, nil
	}
	return build(s.base, s.mapper, summary.doc, incidents.doc, maintenances.doc), nil
}

// fetchHistory fetches incidents.json and scheduled-maintenances.json
// into inc and maint. changed reports a new document; ok is false when
// either fetch failed (logged, the previous document kept). Only a
// cancelled ctx is returned as an error.
func (s *Source) fetchHistory(ctx context.Context, inc, maint *cached) (changed, ok bool, commits []*sources.Response, err error) {
	ok = true
	for _, e := range []struct {
		path string
		kind docKind
		c    *cached
	}{
		{incidentsPath, docIncidents, inc},
		{maintenancesPath, docMaintenances, maint},
	} {
		c, ch, resp, err := s.fetch(ctx, e.path, e.kind, *e.c)
		if ctx.Err() != nil {
			return false, false, nil, fmt.Errorf("%s: %w", e.kind, ctx.Err())
		}
		if err != nil {
			s.log.Warn("statuspage history fetch failed", "url", s.base+e.path, "error", err)
			ok = false
			continue
		}
		*e.c = c
		changed = changed || ch
		commits = append(commits, resp)
	}
	return changed, ok, commits, nil
}

// fetch gets one document. changed is false, and nothing is parsed, on a
// 304 or a body identical to the previous one. The response is returned
// for the caller to Commit once the whole poll succeeded: a body that
// failed to decode is never committed, so it is fetched in full next time.
func (s *Source) fetch(ctx context.Context, path string, kind docKind, prev cached) (cached, bool, *sources.Response, error) {
	u := s.base + path
	resp, err := s.fetcher.Get(ctx, u, "application/json")
	if err != nil {
		return prev, false, nil, err
	}
	if resp.NotModified && prev.doc == nil {
		// The shared Fetcher holds validators from another Source for
		// this URL (the same page configured twice, a config reload):
		// there is nothing cached here to reuse, so fetch in full.
		s.fetcher.Forget(u)
		if resp, err = s.fetcher.Get(ctx, u, "application/json"); err != nil {
			return prev, false, nil, err
		}
		if resp.NotModified {
			return prev, false, nil, fmt.Errorf("http 304 to an unconditional request")
		}
	}
	if resp.NotModified {
		return prev, false, resp, nil
	}
	sum := sha256.Sum256(resp.Body)
	if prev.doc != nil && sum == prev.sum {
		return prev, false, resp, nil
	}
	// Errors come back as HTML pages (404s, bot challenges), sometimes
	// with a 200: refuse them before decoding, with a clear message.
	if err := resp.LooksLikeJSON(); err != nil {
		return prev, false, nil, err
	}
	doc, err := s.decode(kind, resp.Body)
	if err != nil {
		return prev, false, nil, err
	}
	return cached{doc: doc, sum: sum}, true, resp, nil
}

// listedIDs returns the ids of the incidents and maintenances a summary
// lists (unresolved incidents, upcoming and in-progress maintenances).
func listedIDs(d *document) map[string]bool {
	ids := map[string]bool{}
	if d == nil {
		return ids
	}
	for _, list := range [][]wireIncident{d.Incidents, d.Maintenances} {
		for i := range list {
			if list[i].ID != "" {
				ids[list[i].ID] = true
			}
		}
	}
	return ids
}
