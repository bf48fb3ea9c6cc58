// Package feed is the adapter for RSS, Atom and JSON Feed sources (kind
// "feed", aliases "rss" and "atom"). It reads the incident-history feeds of
// hosted status pages (Statuspage, incident.io, Instatus), where each entry
// is one incident with its timeline, and generic feeds such as a company
// blog, where match keywords select the entries that are incidents.
package feed

import (
	"context"
	"fmt"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

// DefaultActiveFor is how long a generic feed incident counts as active
// after its latest entry, when no entry says that the problem is over.
const DefaultActiveFor = 24 * time.Hour

// accept is the Accept header sent when fetching a feed.
const accept = "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"

func init() {
	sources.Register(sources.Kind{
		Name:    "feed",
		Aliases: []string{"rss", "atom"},
		New:     New,
		Summary: "RSS, Atom or JSON Feed: Statuspage/incident.io/Instatus history feeds, or any blog with match keywords",
		Detect:  &sources.Detector{Order: 80, Probe: probe},
	})
}

// Options are the kind-specific options of a feed source, as written in
// the config.
type Options struct {
	// Match lists keywords (case-insensitive substrings of the title or
	// body); in a generic feed only matching entries are incidents. Empty:
	// entries in which the normalize keyword table finds a problem.
	Match []string `yaml:"match"`
	// ActiveFor is how long a generic incident stays active after its
	// latest entry (default 24h).
	ActiveFor time.Duration `yaml:"active_for"`
	// Format forces how entries are read: auto (default), statuspage,
	// incidentio, instatus or generic.
	Format string `yaml:"format"`
	// Zone is the IANA zone of times written without one (default UTC).
	Zone string `yaml:"zone"`
}

// Config turns the options into a parse configuration. Errors wrap
// upstat.ErrInvalid and name the offending key.
func (o Options) Config() (Config, error) {
	c := Config{Format: o.Format, Match: o.Match, ActiveFor: o.ActiveFor}
	if c.Format == "" {
		c.Format = FormatAuto
	}
	if !validFormat(c.Format) {
		return Config{}, fmt.Errorf("%w: format: unknown feed format %q (known: auto, statuspage, incidentio, instatus, generic)", upstat.ErrInvalid, o.Format)
	}
	var err error
	if c.ActiveFor, c.Zone, err = sources.ActiveForAndZone(o.ActiveFor, DefaultActiveFor, o.Zone); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Source polls one feed. It keeps the last body so that a 304 or an
// identical body is answered without parsing, except when a generic entry
// may have expired since the last parse.
type Source struct {
	url   string
	cfg   Config
	env   sources.Env
	cache sources.BodyCache
}

var _ sources.Source = (*Source)(nil)

// New builds a feed Source from its spec (the sources.Factory of kind
// "feed"). Option errors wrap upstat.ErrInvalid.
func New(spec sources.Spec, env sources.Env) (sources.Source, error) {
	var o Options
	if err := sources.DecodeOptions(spec, "feed", &o); err != nil {
		return nil, err
	}
	cfg, err := o.Config()
	if err != nil {
		return nil, err
	}
	if spec.URL == "" {
		return nil, fmt.Errorf("%w: url: a feed source needs a url", upstat.ErrInvalid)
	}
	cfg.Mapper = env.Mapper
	return &Source{url: spec.URL, cfg: cfg, env: sources.WithDefaults(env)}, nil
}

// Poll fetches the feed and returns its incidents. A feed has no
// components (HasComponents is false). An empty feed yields no incidents,
// which never resolves anything by itself.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	f, err := s.cache.Fetch(ctx, s.env, s.url, accept)
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	if f.NotModified {
		return &upstat.Snapshot{NotModified: true}, nil
	}
	cfg := s.cfg
	cfg.Now = f.Now
	res, err := Parse(f.Body, cfg)
	if err != nil {
		return nil, err
	}
	if err := s.vendorImpacts(ctx, res.Format, res.Incidents); err != nil {
		s.env.Log.Debug("feed: the page's JSON did not answer; severities stay guessed from text", "err", err)
	}
	snap := &upstat.Snapshot{Incidents: res.Incidents, Warnings: res.Warnings}
	s.cache.Store(snap, f, res.Expiry)
	return snap, nil
}

// Decoder returns a spec Decode function for options given as a map (see
// sources.Decoder).
func Decoder(m map[string]any) func(v any) error { return sources.Decoder(m) }
