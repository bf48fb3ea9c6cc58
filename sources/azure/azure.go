// Package azure is the adapter for the Microsoft Azure status RSS
// (https://azure.status.microsoft/en-us/status/feed/): one item per open
// incident, titled "<services> - <region>", and no item at all when
// Azure is healthy. Items vanish when resolved. It registers the kind
// azure and its (one-word) vocabulary as the severity domain azure.
package azure

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/internal/document"
)

// Kind is the name this adapter registers under, and its severity domain.
const Kind = "azure"

// DefaultURL is the Azure status feed.
const DefaultURL = "https://azure.status.microsoft/en-us/status/feed/"

// Vocabulary: Azure items carry no severity. "active" is the severity of
// a listed item (override it per vendor to read items as outages).
var Vocabulary = map[string]upstat.Severity{
	"active": upstat.Degraded,
}

func init() {
	normalize.RegisterDomain(Kind, Vocabulary)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Microsoft Azure status RSS (an item per open incident)",
		Detect:  &sources.Detector{Order: 72, Probe: probe},
	})
}

var _ sources.Source = (*Source)(nil)

// Source polls the Azure status feed. Polls are never concurrent.
type Source struct {
	doc     document.Doc
	fetcher *sources.Fetcher
	mapper  *normalize.Mapper
	now     func() time.Time
	// seen makes the components of a vanished item come back
	// operational instead of vanishing.
	seen document.Seen
}

// New builds a Source for spec.URL (the feed; DefaultURL for Azure's
// public status). There are no options.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	u, err := sources.ParseHTTPURL(spec.URL, "URL")
	if err != nil {
		return nil, err
	}
	if err := sources.DecodeOptions(spec, Kind, &struct{}{}); err != nil {
		return nil, err
	}
	env = sources.WithDefaults(env)
	s := &Source{doc: document.Doc{URL: u.String(), Accept: accept, Check: notHTML}, fetcher: env.Fetcher, mapper: env.Mapper, now: env.Now}
	return s, nil
}

const accept = "application/rss+xml, application/xml;q=0.9, text/xml;q=0.8"

// notHTML refuses an HTML page before it is parsed as the feed.
func notHTML(r *sources.Response) error {
	if strings.Contains(strings.ToLower(r.ContentType), "html") {
		return fmt.Errorf("expected the Azure status RSS, got content type %q", r.ContentType)
	}
	return nil
}

// Poll fetches the feed (conditionally) and normalises it. A 304 or an
// identical body returns NotModified; validators, the body and the
// components seen are remembered only once the snapshot is recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	return s.doc.Poll(ctx, s.fetcher, func(body []byte) (*upstat.Snapshot, error) {
		snap, err := decodeNormalize(s.mapper, s.now(), body)
		if err == nil {
			s.seen.Report(snap)
		}
		return snap, err
	})
}

// decodeNormalize is the pure step from a body to a snapshot; now stands
// in for an item's start when neither it nor the channel is dated.
func decodeNormalize(m *normalize.Mapper, now time.Time, body []byte) (*upstat.Snapshot, error) {
	ch, err := decode(body)
	if err != nil {
		return nil, err
	}
	return build(m, now, ch), nil
}
