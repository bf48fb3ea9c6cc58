// Package statusio is the adapter for pages hosted on status.io (GitLab
// until 2023, Docker, …): kind statusio. It reads the public status API,
// https://api.status.io/1.0/status/<page_id>: the overall status, every
// component in every container (region or infrastructure) it runs in,
// the open incidents and the active and upcoming maintenances.
package statusio

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	fetchdoc "github.com/upstat/upstat/sources/internal/document"
)

// Kind is the name this adapter registers under; it is also the name of
// its severity_map domain.
const Kind = "statusio"

// apiBase is the public status API; the page id is appended.
const apiBase = "https://api.status.io/1.0/status/"

func init() {
	normalize.RegisterDomain(Kind, vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "status.io pages: the public status API by page id (components × containers, codes 100-600)",
		Detect:  &sources.Detector{Order: 40, Probe: probe},
	})
}

// vocabulary maps status.io's status codes (written as numbers, matched
// as their decimal text) to our scale.
var vocabulary = map[string]upstat.Severity{
	"100": upstat.Operational,   // Operational
	"200": upstat.Maintenance,   // Planned Maintenance
	"300": upstat.Degraded,      // Degraded Performance
	"400": upstat.PartialOutage, // Partial Service Disruption
	"500": upstat.MajorOutage,   // Service Disruption
	"600": upstat.MajorOutage,   // Security Event
}

// options are the kind's keys in a source entry.
type options struct {
	// PageID is the page's 24-hex id (in the page's HTML); it may be left
	// out when url is the status API URL itself.
	PageID string `yaml:"page_id"`
}

var _ sources.Source = (*Source)(nil)

// Source polls one status.io page. Polls are never concurrent.
type Source struct {
	api     fetchdoc.Doc // the status API document
	home    string       // the page's address, for links ("" when unknown)
	pageID  string
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
}

var (
	pageIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)
	apiPath       = regexp.MustCompile(`/1\.0/status/([^/]+)/?$`)
)

// New builds a Source. spec.URL is either the page's address, with the
// page_id option, or the status API URL (…/1.0/status/<page_id>, also on
// the older status-api.hostedstatus.com host). Errors wrap
// upstat.ErrInvalid and name the key.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	var o options
	if err := sources.DecodeOptions(spec, Kind, &o); err != nil {
		return nil, err
	}
	env = sources.WithDefaults(env)
	s := &Source{api: fetchdoc.Doc{Accept: "application/json", Check: fetchdoc.JSON, DigestOnly: true}, fetcher: env.Fetcher, mapper: env.Mapper}
	if err := s.locate(spec.URL, strings.TrimSpace(o.PageID)); err != nil {
		return nil, err
	}
	return s, nil
}

// locate sets the API URL, the page id and the page's address.
func (s *Source) locate(raw, pageID string) error {
	u, err := sources.ParseHTTPURL(raw, "URL")
	if err != nil {
		return err
	}
	if pageID != "" && !pageIDPattern.MatchString(pageID) {
		return fmt.Errorf("%w: page_id: %q is not a status.io page id (24 hexadecimal digits)", upstat.ErrInvalid, pageID)
	}
	u.RawQuery, u.Fragment = "", ""
	if m := apiPath.FindStringSubmatch(u.Path); m != nil {
		if pageID != "" && pageID != m[1] {
			return fmt.Errorf("%w: page_id: %q differs from the page id in url (%q)", upstat.ErrInvalid, pageID, m[1])
		}
		s.api.URL, s.pageID = u.String(), m[1]
		return nil
	}
	if pageID == "" {
		return fmt.Errorf("%w: page_id: required (the 24-hex id in the page's HTML) unless url is the status API URL %s<page_id>", upstat.ErrInvalid, apiBase)
	}
	s.api.URL, s.pageID, s.home = apiBase+pageID, pageID, strings.TrimRight(u.String(), "/")
	return nil
}

// Poll fetches the status document and normalises it. A 304 or a body
// identical to the last recorded one is NotModified; a body that is not
// a status.io status document fails the poll, naming what it got.
// Validators and the digest are remembered only when the snapshot is
// recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	return s.api.Poll(ctx, s.fetcher, func(body []byte) (*upstat.Snapshot, error) {
		return decodeNormalize(s.home, s.pageID, s.mapper, body)
	})
}
