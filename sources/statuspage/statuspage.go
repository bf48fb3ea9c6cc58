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
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/redact"
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
	hooks.Register(Kind, decodePush)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Atlassian Statuspage JSON API (summary.json, incidents.json, scheduled-maintenances.json)",
		Detect:  &sources.Detector{Order: 10, Probe: probe},
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls one Statuspage page. It is not safe for concurrent Polls
// (the scheduler never does that).
//
// What it keeps between polls is small, because a process watches
// thousands of pages: the SHA-256 of each document (to tell an identical
// body without keeping it) and, of the history documents, only the
// incidents worth merging again (see retain). The summary itself is not
// kept: when a summary answered 304 meets a changed history, the summary
// is fetched once more in full to build the snapshot.
type Source struct {
	base         string
	historyEvery time.Duration
	fetcher      *sources.Fetcher
	mapper       *normalize.Mapper
	now          func() time.Time
	log          *slog.Logger
	// decode is the document decoder; tests wrap it to count parses.
	decode func(docKind, []byte) (*document, error)

	summary                 digest
	incidents, maintenances history
	historyAt               time.Time // last history attempt
	// listed maps the incidents and maintenances of the last summary to
	// 0, and those that left it to the number of failed history fetches
	// since they did.
	listed map[string]int
}

// digest is the SHA-256 of the last body of one document; the zero
// digest means none was fetched yet.
type digest struct {
	sum [sha256.Size]byte
	ok  bool
}

func digestOf(body []byte) digest { return digest{sum: sha256.Sum256(body), ok: true} }

// history is what is kept of one history document between its fetches:
// its digest and the incidents that retain left in it.
type history struct {
	digest
	doc *document
}

// resolvedRetention is how long a resolved incident (or completed
// maintenance) of a history document is kept for merging after its
// resolution. Past it the incident is dropped from what the Source keeps,
// unless the summary lists it: the aggregator already stored it from the
// poll that fetched it, and an incident missing from a snapshot is left
// as it is. Within it, the resolved version still wins the merge against
// a stale summary (a CDN edge minutes behind) that lists it unresolved.
const resolvedRetention = 24 * time.Hour

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
	env = sources.WithDefaults(env)
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
		return "", fmt.Errorf("%w: url: %q is not an http(s) page URL", upstat.ErrInvalid, redact.URL(raw))
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
// State (digests, kept history, validators) is committed only through the
// snapshot's Commit, once the poll is recorded, so a failed poll or a
// failed record is retried in full.
//
// A snapshot lists every incident of the summary and of the history
// documents fetched by this poll; history kept from an earlier fetch
// contributes only what retain kept of it.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	now := s.now()
	var commits []*sources.Response
	summary, summarySum, sresp, err := s.fetch(ctx, summaryPath, docSummary, s.summary)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	commits = append(commits, sresp)
	changed := summary != nil

	// Statuspage's summary lists unresolved incidents only: when one
	// disappears it was resolved (or deleted), and incidents.json says
	// which, so fetch it now rather than at the next history tick.
	current := s.listedNow(summary)
	var gone []string
	for id := range s.listed {
		if !current[id] {
			gone = append(gone, id)
		}
	}
	incidents, maintenances := s.incidents, s.maintenances
	var fresh [2]*document // history documents fetched changed by this poll
	historyAt, historyOK := s.historyAt, true
	if historyAt.IsZero() || now.Sub(historyAt) >= s.historyEvery || len(gone) > 0 {
		var hcommits []*sources.Response
		fresh, historyOK, hcommits, err = s.fetchHistory(ctx, &incidents, &maintenances)
		if err != nil {
			return nil, err
		}
		historyAt = now
		commits = append(commits, hcommits...)
		if !changed && (fresh[0] != nil || fresh[1] != nil) {
			// The summary is unchanged but not kept: get it again.
			if summary, sresp, err = s.refetchSummary(ctx, sresp); err != nil {
				return nil, fmt.Errorf("summary: %w", err)
			}
			summarySum, commits[0], current = digestOf(sresp.Body), sresp, listedIDs(summary)
			changed = true
		}
	}

	listed := make(map[string]int, len(current))
	for id := range current {
		listed[id] = 0
	}
	if !historyOK {
		// Retry on the next polls, a few times, so a transient failure
		// does not hide a resolution until the next history tick.
		for _, id := range gone {
			if n := s.listed[id] + 1; n < maxResolveRetries && !current[id] {
				listed[id] = n
			}
		}
	}

	var snap *upstat.Snapshot
	if changed {
		snap = build(s.base, s.mapper, summary, pick(fresh[0], incidents.doc), pick(fresh[1], maintenances.doc))
	}
	if historyAt.Equal(now) { // history was due: trim what is kept
		for i, h := range []*history{&incidents, &maintenances} {
			if d := pick(fresh[i], h.doc); d != nil {
				h.doc = retain(d, current, now)
			}
		}
	}
	if !changed {
		snap = &upstat.Snapshot{NotModified: true}
	} else {
		// The summary lists every unresolved incident and every upcoming
		// or ongoing maintenance; with the history documents, an open
		// incident absent from the snapshot is no longer listed at all.
		snap.ListsAllOpen = true
		if !historyOK {
			snap.HistoryErr = "incidents.json or scheduled-maintenances.json did not answer"
		}
	}
	// Remembered only once the snapshot is recorded: a failed record
	// leaves the digests and validators as they were, so the next poll
	// fetches, parses and records in full again.
	snap.OnCommit(func() {
		s.summary, s.incidents, s.maintenances = summarySum, incidents, maintenances
		s.historyAt, s.listed = historyAt, listed
		for _, r := range commits {
			r.Commit()
		}
	})
	return snap, nil
}

// listedNow returns the ids the summary lists: from summary when it was
// decoded by this poll, else (unchanged) those the last summary listed.
func (s *Source) listedNow(summary *document) map[string]bool {
	if summary != nil {
		return listedIDs(summary)
	}
	ids := make(map[string]bool, len(s.listed))
	for id, failures := range s.listed {
		if failures == 0 {
			ids[id] = true
		}
	}
	return ids
}

// pick returns the document fetched by this poll, else the kept one.
func pick(fresh, kept *document) *document {
	if fresh != nil {
		return fresh
	}
	return kept
}

// retain returns the part of a history document worth keeping until the
// next fetch: its incidents and maintenances, in order, but for those
// closed more than resolvedRetention before now that the summary does not
// list (listed). The page, status and component lists are dropped: build
// takes them from the summary. The slices are sized to fit, as decoding
// leaves them with spare capacity.
func retain(d *document, listed map[string]bool, now time.Time) *document {
	keep := func(list []wireIncident) []wireIncident {
		var out []wireIncident
		for i := range list {
			if w := &list[i]; listed[w.ID] || !closedBefore(w, now.Add(-resolvedRetention)) {
				out = append(out, *w)
			}
		}
		return slices.Clip(out)
	}
	return &document{Incidents: keep(d.Incidents), Maintenances: keep(d.Maintenances)}
}

// closedBefore reports whether w is resolved (or completed) and was last
// touched (resolved_at, updated_at) before cutoff.
func closedBefore(w *wireIncident, cutoff time.Time) bool {
	state, ok := normalize.State(w.Status)
	if !ok || !state.Closed() {
		return false
	}
	last := w.UpdatedAt.time()
	if r := w.ResolvedAt.time(); r.After(last) {
		last = r
	}
	return !last.IsZero() && last.Before(cutoff)
}

// fetchHistory fetches incidents.json and scheduled-maintenances.json,
// updating the digests of inc and maint. fresh holds the documents that
// changed (incidents, maintenances; nil when unchanged or failed); ok is
// false when either fetch failed (logged, the kept history used). Only a
// cancelled ctx is returned as an error.
func (s *Source) fetchHistory(ctx context.Context, inc, maint *history) (fresh [2]*document, ok bool, commits []*sources.Response, err error) {
	ok = true
	for i, e := range []struct {
		path string
		kind docKind
		h    *history
	}{
		{incidentsPath, docIncidents, inc},
		{maintenancesPath, docMaintenances, maint},
	} {
		doc, sum, resp, err := s.fetch(ctx, e.path, e.kind, e.h.digest)
		if ctx.Err() != nil {
			return fresh, false, nil, fmt.Errorf("%s: %w", e.kind, ctx.Err())
		}
		if err != nil {
			s.log.Warn("statuspage history fetch failed", "url", redact.URL(s.base+e.path), "error", err)
			ok = false
			continue
		}
		e.h.digest, fresh[i] = sum, doc
		commits = append(commits, resp)
	}
	return fresh, ok, commits, nil
}

// fetch gets one document. It returns a nil document, and parses nothing,
// on a 304 or a body whose digest is prev; otherwise the decoded document
// and its digest. The response is returned for the caller to Commit once
// the whole poll succeeded: a body that failed to decode is never
// committed, so it is fetched in full next time.
func (s *Source) fetch(ctx context.Context, path string, kind docKind, prev digest) (*document, digest, *sources.Response, error) {
	u := s.base + path
	resp, err := s.fetcher.Get(ctx, u, "application/json")
	if err != nil {
		return nil, prev, nil, err
	}
	if resp.NotModified && !prev.ok {
		// The shared Fetcher holds validators from another Source for
		// this URL (the same page configured twice, a config reload):
		// there is nothing here to compare with, so fetch in full.
		if resp, err = s.getFull(ctx, u); err != nil {
			return nil, prev, nil, err
		}
	}
	if resp.NotModified {
		return nil, prev, resp, nil
	}
	sum := digestOf(resp.Body)
	if sum == prev {
		return nil, prev, resp, nil
	}
	doc, err := s.decodeBody(kind, resp)
	if err != nil {
		return nil, prev, nil, err
	}
	return doc, sum, resp, nil
}

// refetchSummary returns the decoded summary of resp, the unchanged
// summary of this poll, and the response it came from: resp itself when
// it carries the (identical) body, else a new unconditional fetch.
func (s *Source) refetchSummary(ctx context.Context, resp *sources.Response) (*document, *sources.Response, error) {
	if resp.NotModified {
		var err error
		if resp, err = s.getFull(ctx, s.base+summaryPath); err != nil {
			return nil, nil, err
		}
	}
	doc, err := s.decodeBody(docSummary, resp)
	if err != nil {
		return nil, nil, err
	}
	return doc, resp, nil
}

// getFull fetches u unconditionally: the Fetcher's validators for it are
// dropped first. A 304 to that is an error.
func (s *Source) getFull(ctx context.Context, u string) (*sources.Response, error) {
	s.fetcher.Forget(u)
	resp, err := s.fetcher.Get(ctx, u, "application/json")
	if err != nil {
		return nil, err
	}
	if resp.NotModified {
		return nil, fmt.Errorf("http 304 to an unconditional request")
	}
	return resp, nil
}

// decodeBody decodes a full response. Errors come back as HTML pages
// (404s, bot challenges), sometimes with a 200: they are refused before
// decoding, with a clear message.
func (s *Source) decodeBody(kind docKind, resp *sources.Response) (*document, error) {
	if err := resp.LooksLikeJSON(); err != nil {
		return nil, err
	}
	return s.decode(kind, resp.Body)
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
