// Package html is the adapter for status pages that are only HTML (kind
// "html"). A preset reads a known layout: emoji-headings (a heading per
// entry, "🟡 2023-07-10 12:08 UTC", as Jekyll renders a markdown status
// page), statuspage-html (Statuspage incident and home pages, when the
// JSON API is blocked) and timeline (an incident page with an update
// timeline of status words and dates). Any other page is read with CSS
// selectors from the config.
package html

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
)

// Preset names.
const (
	PresetEmojiHeadings = "emoji-headings"
	PresetStatuspage    = "statuspage-html"
	PresetTimeline      = "timeline"
)

// DefaultActiveFor is how long an item read with custom selectors stays
// active when nothing on the page closes it.
const DefaultActiveFor = 24 * time.Hour

const accept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

func init() {
	sources.Register(sources.Kind{
		Name:    "html",
		New:     New,
		Summary: "an HTML status page, read with a preset (emoji-headings, statuspage-html, timeline) or CSS selectors",
	})
}

// Options are the kind-specific options of an html source, as written in
// the config. Exactly one of Preset and Selectors is set.
type Options struct {
	Preset    string     `yaml:"preset"`
	Zone      string     `yaml:"zone"` // IANA zone for times written without one
	Selectors *Selectors `yaml:"selectors"`
	// ActiveFor: custom selectors only; how long an item without a closing
	// status stays active (default 24h).
	ActiveFor time.Duration `yaml:"active_for"`
	// AllowEmpty accepts a page in which the preset or selectors find
	// nothing; by default that fails the poll (a redesigned page, or a
	// preset on the wrong page, must not read as operational).
	AllowEmpty bool `yaml:"allow_empty"`
}

// parser reads one layout from a parsed, decoded page.
type parser func(p *page) (*upstat.Snapshot, error)

// presets is the registry of preset parsers by name.
var presets = map[string]parser{
	PresetEmojiHeadings: parseEmojiHeadings,
	PresetStatuspage:    parseStatuspage,
	PresetTimeline:      parseTimeline,
}

// Presets lists the preset names, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Config is how Parse reads a page.
type Config struct {
	Preset    string
	Selectors *Compiled // used when Preset is empty
	Zone      *time.Location
	Mapper    *normalize.Mapper // nil: default tables
	URL       string            // the page URL: incident ids and links
	Now       time.Time         // year-less stamps and active_for; zero: time.Now()
	ActiveFor time.Duration
	// AllowEmpty: a page in which the layout finds nothing is an empty
	// snapshot instead of an error (see Parse).
	AllowEmpty bool
}

// Config checks the options and turns them into a parse configuration.
// Errors wrap upstat.ErrInvalid and name the key (and the selector).
func (o Options) Config() (Config, error) {
	c := Config{Preset: o.Preset, ActiveFor: o.ActiveFor, AllowEmpty: o.AllowEmpty}
	switch {
	case o.Preset != "" && o.Selectors != nil:
		return Config{}, fmt.Errorf("%w: preset and selectors: set one, not both", upstat.ErrInvalid)
	case o.Preset == "" && o.Selectors == nil:
		return Config{}, fmt.Errorf("%w: preset: an html source needs a preset (%s) or selectors", upstat.ErrInvalid, strings.Join(Presets(), ", "))
	case o.Preset != "":
		if _, ok := presets[o.Preset]; !ok {
			return Config{}, fmt.Errorf("%w: preset: unknown preset %q (known: %s)", upstat.ErrInvalid, o.Preset, strings.Join(Presets(), ", "))
		}
	default:
		sel, err := o.Selectors.Compile()
		if err != nil {
			return Config{}, err
		}
		c.Selectors = sel
	}
	var err error
	if c.ActiveFor, c.Zone, err = sources.ActiveForAndZone(o.ActiveFor, DefaultActiveFor, o.Zone); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Result is what Parse found.
type Result struct {
	Snapshot *upstat.Snapshot
	// Expiry is when an active item of the result stops being active by
	// age alone (custom selectors with active_for; zero when none can).
	Expiry time.Time
}

// Parse decodes a page (declared charset, then mojibake repair) and reads
// it with the configured preset or selectors. A page with content in which
// the layout finds nothing (no component, no incident, no page status) is
// an error naming what was expected and what the page has ("preset
// emoji-headings matched 0 of 12 headings"), unless AllowEmpty is set: a
// redesigned page or a preset on the wrong page must fail, not read as
// operational. Other errors are for configuration and undecodable bodies.
func Parse(body []byte, contentType string, c Config) (Result, error) {
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	if c.ActiveFor <= 0 {
		c.ActiveFor = DefaultActiveFor
	}
	p, err := newPage(body, contentType, c)
	if err != nil {
		return Result{}, err
	}
	var snap *upstat.Snapshot
	if c.Preset != "" {
		parse, ok := presets[c.Preset]
		if !ok {
			return Result{}, fmt.Errorf("%w: preset: unknown preset %q", upstat.ErrInvalid, c.Preset)
		}
		snap, err = parse(p)
	} else if c.Selectors != nil {
		snap, err = parseCustom(p)
	} else {
		return Result{}, fmt.Errorf("%w: preset: no preset and no selectors", upstat.ErrInvalid)
	}
	if err != nil {
		return Result{}, err
	}
	if found(snap) == 0 && !c.AllowEmpty && p.hasContent() {
		return Result{}, fmt.Errorf("html: %s (allow_empty: true accepts an empty page)", p.nothingFound())
	}
	if snap.Incidents == nil {
		snap.Incidents = []upstat.Incident{}
	}
	return Result{Snapshot: snap, Expiry: p.expiry}, nil
}

// Source polls one HTML page.
type Source struct {
	url   string
	cfg   Config
	env   sources.Env
	cache sources.BodyCache
}

var _ sources.Source = (*Source)(nil)

// New builds an html Source from its spec (the sources.Factory of kind
// "html"). Option errors wrap upstat.ErrInvalid and name the key.
func New(spec sources.Spec, env sources.Env) (sources.Source, error) {
	var o Options
	if spec.Decode != nil {
		if err := spec.Decode(&o); err != nil {
			return nil, fmt.Errorf("%w: html options: %w", upstat.ErrInvalid, err)
		}
	}
	cfg, err := o.Config()
	if err != nil {
		return nil, err
	}
	if spec.URL == "" {
		return nil, fmt.Errorf("%w: url: an html source needs a url", upstat.ErrInvalid)
	}
	cfg.URL, cfg.Mapper = spec.URL, env.Mapper
	return &Source{url: spec.URL, cfg: cfg, env: sources.WithDefaults(env)}, nil
}

// Poll fetches the page and reads it. A 304 or an identical body is
// NotModified unless an active item may have expired since the last read.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	f, err := s.cache.Fetch(ctx, s.env, s.url, accept)
	if err != nil {
		return nil, fmt.Errorf("html: %w", err)
	}
	if f.NotModified {
		return &upstat.Snapshot{NotModified: true}, nil
	}
	cfg := s.cfg
	cfg.Now = f.Now
	res, err := Parse(f.Body, f.ContentType, cfg)
	if err != nil {
		return nil, err
	}
	s.cache.Store(res.Snapshot, f, res.Expiry)
	return res.Snapshot, nil
}

// Decoder returns a spec Decode function that decodes the options in m
// strictly (unknown keys are errors), as the config loader does. It lets a
// command line build a Spec from flags: Decoder(map[string]any{"preset":
// "emoji-headings"}).
func Decoder(m map[string]any) func(v any) error { return sources.Decoder(m) }
