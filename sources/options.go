package sources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
