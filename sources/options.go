package sources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat"
)

// ActiveForAndZone checks the active_for and zone options shared by the
// feed and html kinds: a negative active_for is an error, zero takes def;
// zone is an IANA name ("" for none). Errors wrap upstat.ErrInvalid and
// name the key.
func ActiveForAndZone(activeFor, def time.Duration, zone string) (time.Duration, *time.Location, error) {
	if activeFor < 0 {
		return 0, nil, fmt.Errorf("%w: active_for: must not be negative, got %s", upstat.ErrInvalid, activeFor)
	}
	if activeFor == 0 {
		activeFor = def
	}
	if zone == "" {
		return activeFor, nil, nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: zone: %v", upstat.ErrInvalid, err)
	}
	return activeFor, loc, nil
}

// Decoder returns a spec Decode function that decodes the options in m
// strictly (unknown keys are errors), as the config loader does. It lets a
// command line build a Spec from flags: Decoder(map[string]any{"match":
// []string{"outage"}}).
func Decoder(m map[string]any) func(v any) error {
	return func(v any) error {
		b, err := yaml.Marshal(m)
		if err != nil {
			return fmt.Errorf("options: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("options: %w", err)
		}
		return nil
	}
}

// DecodeOptions decodes the kind-specific keys of a source entry into v
// through spec.Decode, strictly as the config loader does; without a
// Decode there is nothing to decode. A kind without options passes
// &struct{}{}, so any key is refused. An error wraps upstat.ErrInvalid
// and reads "<kind> options: ...".
func DecodeOptions(spec Spec, kind string, v any) error {
	if spec.Decode == nil {
		return nil
	}
	if err := spec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s options: %w", upstat.ErrInvalid, kind, err)
	}
	return nil
}

// ParseHTTPURL parses raw, trimmed of spaces, as an absolute http or
// https URL with a host. Otherwise the error wraps upstat.ErrInvalid and
// names the key: `url: "<raw>" is not an http(s) <what>`, what saying
// which URL the kind expects ("URL", "page URL").
func ParseHTTPURL(raw, what string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: url: %q is not an http(s) %s", upstat.ErrInvalid, raw, what)
	}
	return u, nil
}
