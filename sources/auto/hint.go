package auto

import (
	"fmt"
	"maps"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

// hintWhy is the Evidence.Why of a kind taken from a hint, not detected.
const hintWhy = "hint"

// Hint returns the value of the hint option that starts a source reading
// its page as kind with that kind's options (what a catalogue entry
// says), so that a caller building a source entry in code (the
// catalogue, in package config) need not spell the option.
func Hint(kind string, options map[string]string) map[string]any {
	h := make(map[string]any, len(options)+1)
	for k, v := range options {
		h[k] = v
	}
	h["kind"] = kind
	return map[string]any{"hint": h}
}

// start builds the hinted kind's source over the page's URL: the first
// poll reads with it, without probing. Errors wrap upstat.ErrInvalid and
// name the hint's key.
func (s *Source) start(hint map[string]any) error {
	kind, _ := hint["kind"].(string)
	switch {
	case kind == "":
		return fmt.Errorf("%w: hint.kind: the kind the page is read with first is required", upstat.ErrInvalid)
	case kind == Kind:
		return fmt.Errorf("%w: hint.kind: must be the page's kind, not %s", upstat.ErrInvalid, Kind)
	}
	if _, ok := sources.Lookup(kind); !ok {
		return fmt.Errorf("%w: hint.kind: unknown source kind %q (known: %v)", upstat.ErrInvalid, kind, sources.Kinds())
	}
	opts := maps.Clone(hint)
	delete(opts, "kind")
	spec := sources.Spec{Kind: kind, URL: s.spec.URL, Vendor: s.spec.Vendor}
	if len(opts) > 0 {
		spec.Decode = decodeOptions(opts)
	}
	inner, err := sources.New(spec, s.env)
	if err != nil {
		return fmt.Errorf("hint: %w", err)
	}
	// The URL as a detection of this page would give it (sources.Detect
	// trims a trailing slash), so that detecting the same kind at the same
	// page is not taken for a move.
	page := strings.TrimRight(strings.TrimSpace(s.spec.URL), "/")
	s.found = sources.Evidence{Kind: kind, URL: page, Options: opts, Why: hintWhy}
	s.inner = inner
	return nil
}
