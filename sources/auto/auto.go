// Package auto is the source kind auto: given only a status page's
// address, it probes it once (sources.Detect: every registered kind's
// probe, in order) and reads the page with the kind that recognised it.
// The detected kind and the URL it reads are kept, not probed again each
// poll; only when the page keeps failing in a way that says "not this
// format any more" (404, an answer that is not the expected JSON, decode
// errors) redetect_after times in a row does it detect again, and a new
// platform is logged ("platform changed from statuspage to instatus").
//
// With a hint (the kind a catalogue says the page is, and that kind's
// options) the first poll reads the page with that kind at once, without
// probing; re-detection then works as after a detection.
package auto

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/redact"
	"github.com/upstat/upstat/sources"
)

// Kind is the name this kind registers under.
const Kind = "auto"

// DefaultRedetectAfter is how many consecutive wrong-format failures make
// a detected source detect again.
const DefaultRedetectAfter = 3

func init() {
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "detect the page's platform from its address and read it with that kind (option: redetect_after)",
	})
}

// options are the kind's keys in a source entry.
type options struct {
	RedetectAfter int            `yaml:"redetect_after"`
	Hint          map[string]any `yaml:"hint"` // kind, then that kind's options
}

var _ sources.Source = (*Source)(nil)

// Source reads a page with the kind detected for it. Polls are never
// concurrent.
type Source struct {
	spec  sources.Spec
	env   sources.Env
	after int

	found  sources.Evidence // what the last detection found ("" Kind: none yet)
	inner  sources.Source   // the detected kind's source
	misses int              // consecutive wrong-format failures of inner
}

// New builds a Source. spec.URL is the page's address; nothing is fetched
// until the first poll.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	var o options
	if spec.Decode != nil {
		if err := spec.Decode(&o); err != nil {
			return nil, fmt.Errorf("%w: auto options: %w", upstat.ErrInvalid, err)
		}
	}
	switch {
	case o.RedetectAfter < 0:
		return nil, fmt.Errorf("%w: redetect_after: must not be negative, got %d", upstat.ErrInvalid, o.RedetectAfter)
	case o.RedetectAfter == 0:
		o.RedetectAfter = DefaultRedetectAfter
	}
	if spec.URL == "" {
		return nil, fmt.Errorf("%w: url: kind auto needs the page's address", upstat.ErrInvalid)
	}
	if env.Fetcher == nil {
		env.Fetcher = sources.NewFetcher(sources.FetchOptions{Log: env.Log})
	}
	if env.Log == nil {
		env.Log = slog.New(slog.DiscardHandler)
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	s := &Source{spec: spec, env: env, after: o.RedetectAfter}
	if o.Hint != nil {
		if err := s.start(o.Hint); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Detected returns the kind and URL the page is read with: the hint's
// until a detection replaces it, else "" before the first successful
// detection.
func (s *Source) Detected() sources.Evidence { return s.found }

// Poll detects the page's kind on the first poll, then polls it with that
// kind. Errors name the detected kind ("auto→instatus: summary: http 503").
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	if s.inner == nil {
		if err := s.detect(ctx); err != nil {
			return nil, fmt.Errorf("auto: %w", err)
		}
	}
	snap, err := s.inner.Poll(ctx)
	if err == nil {
		s.misses = 0
		snap.Via = s.found.Kind
		return snap, nil
	}
	if ctx.Err() != nil || !sources.WrongFormat(err) {
		return nil, s.wrap(err)
	}
	if s.misses++; s.misses < s.after {
		return nil, s.wrap(err)
	}
	s.misses = 0
	prev := s.found
	if derr := s.detect(ctx); derr != nil {
		return nil, fmt.Errorf("%w; detecting again: %v", s.wrap(err), derr)
	}
	if s.found.Kind == prev.Kind && s.found.URL == prev.URL {
		return nil, s.wrap(err)
	}
	s.env.Log.Warn(fmt.Sprintf("platform changed from %s to %s", prev.Kind, s.found.Kind), "hinted", prev.Why == hintWhy,
		"url", redact.URL(s.spec.URL), "from", prev.Kind, "to", s.found.Kind, "reads", redact.URL(s.found.URL), "evidence", s.found.Why)
	snap, err = s.inner.Poll(ctx)
	if err != nil {
		return nil, s.wrap(err)
	}
	snap.Via = s.found.Kind
	return snap, nil
}

func (s *Source) wrap(err error) error { return fmt.Errorf("auto→%s: %w", s.found.Kind, err) }

// detect probes the page and, when a kind recognises it, builds that
// kind's source (replacing the current one only then).
func (s *Source) detect(ctx context.Context) error {
	ev, _, err := sources.Detect(ctx, sources.NewProber(s.env.Fetcher), s.spec.URL)
	if err != nil {
		return err
	}
	spec := sources.Spec{Kind: ev.Kind, URL: ev.URL, Vendor: s.spec.Vendor}
	if ev.Options != nil {
		spec.Decode = decodeOptions(ev.Options)
	}
	inner, err := sources.New(spec, s.env)
	if err != nil {
		return fmt.Errorf("detected %s at %s, but: %w", ev.Kind, redact.URL(ev.URL), err)
	}
	if s.inner == nil {
		s.env.Log.Info("platform detected", "url", redact.URL(s.spec.URL), "detected", ev.Kind, "reads", redact.URL(ev.URL), "evidence", ev.Why)
	}
	s.found, s.inner = ev, inner
	return nil
}

// decodeOptions returns a strict decoder of options a probe worked out.
func decodeOptions(opts map[string]any) func(v any) error {
	return func(v any) error {
		b, err := yaml.Marshal(opts)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}
