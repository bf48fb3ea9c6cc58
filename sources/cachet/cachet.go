// Package cachet is the adapter for self-hosted Cachet status pages
// (2.x, API v1): kind cachet. Every poll reads /api/v1/components (all
// pages), /api/v1/components/groups, /api/v1/incidents (the newest 50)
// and /api/v1/schedules (maintenance, Cachet 2.4+).
package cachet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	fetchdoc "github.com/upstat/upstat/sources/internal/document"
)

// Kind is the name this adapter registers under; it is also the name of
// its severity_map domain.
const Kind = "cachet"

// API paths, relative to the page's base URL.
const (
	componentsPath = "/api/v1/components?per_page=100"
	groupsPath     = "/api/v1/components/groups?per_page=100"
	incidentsPath  = "/api/v1/incidents?per_page=50&sort=id&order=desc"
	schedulesPath  = "/api/v1/schedules?per_page=50&sort=id&order=desc"
)

// maxComponentPages bounds how many pages of components a poll follows.
const maxComponentPages = 20

func init() {
	normalize.RegisterDomain(Kind, vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Cachet 2.x pages: API v1 components, groups, incidents and schedules",
		Detect:  &sources.Detector{Order: 60, Probe: probe},
	})
}

// vocabulary maps Cachet's numeric component statuses (matched as their
// decimal text) to our scale. 0 is Cachet's own "Unknown".
var vocabulary = map[string]upstat.Severity{
	"0": upstat.Unknown,
	"1": upstat.Operational,   // Operational
	"2": upstat.Degraded,      // Performance Issues
	"3": upstat.PartialOutage, // Partial Outage
	"4": upstat.MajorOutage,   // Major Outage
}

// options are the kind's keys in a source entry.
type options struct {
	// Zone is the instance's time zone: Cachet writes times without one.
	Zone string `yaml:"zone"`
}

var _ sources.Source = (*Source)(nil)

// Source polls one Cachet page. Polls are never concurrent.
type Source struct {
	base    string
	zone    *time.Location
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
	// docs are the documents of the last recorded snapshot, by URL (nil:
	// it answered 404): a 304 on one of them is answered with its body.
	docs map[string]*fetchdoc.Doc
}

// New builds a Source. spec.URL is the page's base URL (a trailing
// /api/v1 is tolerated); the option zone (an IANA name, default UTC) is
// the zone the instance writes its times in. Errors wrap
// upstat.ErrInvalid and name the key.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	var o options
	if err := sources.DecodeOptions(spec, Kind, &o); err != nil {
		return nil, err
	}
	loc := time.UTC
	if o.Zone != "" {
		var err error
		if loc, err = time.LoadLocation(o.Zone); err != nil {
			return nil, fmt.Errorf("%w: zone: %q is not a time zone name (like Europe/Berlin)", upstat.ErrInvalid, o.Zone)
		}
	}
	u, err := sources.ParseHTTPURL(spec.URL, "page URL")
	if err != nil {
		return nil, err
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v1")
	env = sources.WithDefaults(env)
	s := &Source{base: strings.TrimRight(u.String(), "/"), zone: loc, fetcher: env.Fetcher, mapper: env.Mapper}
	return s, nil
}

// fetched is one document of a poll.
type fetched struct {
	url  string
	body []byte            // nil: the endpoint does not exist (404) on this instance
	doc  *fetchdoc.Doc     // nil with a 404
	got  *fetchdoc.Fetched // nil with a 404
}

// Poll fetches every document and normalises them. When no body changed
// since the last recorded snapshot (304s or identical bytes) it returns
// NotModified. Groups and schedules answering 404 (older Cachet) are
// read as none; any other failure, or a body that is not a Cachet API
// list, fails the poll. Validators and bodies are remembered only when
// the snapshot is recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	var got []fetched
	var docs documents
	for u, page := s.base+componentsPath, 0; u != ""; page++ {
		f, err := s.get(ctx, u, false)
		if err != nil {
			return nil, fmt.Errorf("components: %w", err)
		}
		got = append(got, f)
		docs.components = append(docs.components, f.body)
		if u = s.nextPage(f.body); u != "" && page+1 >= maxComponentPages {
			return nil, fmt.Errorf("components: more than %d pages", maxComponentPages)
		}
	}
	for _, e := range []struct {
		name, path string
		optional   bool
		into       *[]byte
	}{
		{"groups", groupsPath, true, &docs.groups},
		{"incidents", incidentsPath, false, &docs.incidents},
		{"schedules", schedulesPath, true, &docs.schedules},
	} {
		f, err := s.get(ctx, s.base+e.path, e.optional)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, err)
		}
		got = append(got, f)
		*e.into = f.body
	}
	next := make(map[string]*fetchdoc.Doc, len(got))
	changed := len(got) != len(s.docs)
	for _, f := range got {
		prev, ok := s.docs[f.url]
		changed = changed || !ok || (prev == nil) != (f.got == nil) || (f.got != nil && f.got.Changed)
		next[f.url] = f.doc
	}
	snap := &upstat.Snapshot{NotModified: true}
	if changed {
		var err error
		if snap, err = decodeNormalize(s.base, s.zone, s.mapper, docs); err != nil {
			return nil, err
		}
	}
	snap.OnCommit(func() {
		for _, f := range got {
			f.got.Commit()
		}
		s.docs = next
	})
	return snap, nil
}

// get fetches one document: on a 304 the body recorded last time (fetched
// in full again when there is none); a 404 of an optional endpoint is a
// nil body.
func (s *Source) get(ctx context.Context, u string, optional bool) (fetched, error) {
	d := s.docs[u]
	if d == nil { // not recorded, or recorded as a 404
		d = &fetchdoc.Doc{URL: u, Accept: "application/json", Check: fetchdoc.JSON}
	}
	got, err := d.Get(ctx, s.fetcher)
	var herr *sources.HTTPError
	switch {
	case optional && errors.As(err, &herr) && herr.Status == http.StatusNotFound:
		return fetched{url: u}, nil
	case err != nil:
		return fetched{}, err
	}
	return fetched{url: u, body: got.Body, doc: d, got: got}, nil
}

// nextPage returns the next page of the components list, when the list
// says there is one. Only its query is taken: the link is content, and
// instances behind proxies write it with the wrong scheme or host.
func (s *Source) nextPage(body []byte) string {
	next := nextLink(body)
	if next == "" {
		return ""
	}
	n, err := url.Parse(next)
	if err != nil || n.RawQuery == "" {
		return ""
	}
	return s.base + "/api/v1/components?" + n.RawQuery
}
