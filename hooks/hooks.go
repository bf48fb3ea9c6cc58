// Package hooks is the registry of webhook decoders: the adapters of
// status pages that push to their subscribers (Statuspage, Instatus,
// incident.io) register, from their own package, a Decoder that turns one
// delivery into a partial snapshot. A partial snapshot names only what the delivery is
// about (one component, one incident); the aggregator merges it into the
// vendor's state without dropping what it does not name.
//
// Decoders are strict where it matters: the body must be one JSON object of
// the family's shape, with the identifying fields present and every time a
// time; a delivery that is about nothing the family knows is an error.
// Fields a vendor adds later are ignored (webhook payloads grow). A status
// word no table knows becomes a warning and an unknown severity, never
// operational.
package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// A Decoder reads one webhook delivery of its family for the source at
// sourceURL (the source's configured url, for links the delivery lacks),
// mapping words through m (nil: the default tables), into a partial
// snapshot:
// Components holds only the components the delivery names (HasComponents
// stays false: the aggregator merges them) and Incidents the incident it
// is about, if any. It never panics; a body that is not the family's shape
// is an error.
type Decoder func(body []byte, sourceURL string, m *normalize.Mapper) (*upstat.Snapshot, error)

// registry maps a source kind to the decoder of its vendors' webhooks.
// Written only from init functions (Register), read after.
var registry = map[string]Decoder{}

// Register makes d the webhook decoder of sources of kind. Call it from
// the adapter's init; it panics on a second decoder for one kind.
func Register(kind string, d Decoder) {
	if _, dup := registry[kind]; dup {
		panic(fmt.Sprintf("hooks: decoder for %q registered twice", kind))
	}
	registry[kind] = d
}

// Kinds lists the source kinds with a webhook decoder, sorted: a source of
// one of these kinds may have a webhook_secret.
func Kinds() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Supported reports whether sources of kind can receive webhooks.
func Supported(kind string) bool {
	_, ok := registry[kind]
	return ok
}

// ErrUnsupported is wrapped by Decode for a kind that has no webhook
// decoder.
var ErrUnsupported = errors.New("no webhook decoder for this source kind")

// Decode reads one webhook delivery pushed for a source of kind with the
// kind's registered Decoder. Errors wrap upstat.ErrInvalid (a body that is
// not the family's shape) or ErrUnsupported.
func Decode(kind string, body []byte, sourceURL string, m *normalize.Mapper) (*upstat.Snapshot, error) {
	dec, ok := registry[kind]
	if !ok {
		return nil, fmt.Errorf("hooks: %w: %q", ErrUnsupported, kind)
	}
	snap, err := dec(body, sourceURL, m)
	if err != nil {
		return nil, fmt.Errorf("hooks: %s: %w: %w", kind, upstat.ErrInvalid, err)
	}
	return snap, nil
}

// UnmarshalObject decodes body, which must be one JSON object and nothing
// after it, into v: the common first step of every decoder.
func UnmarshalObject(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errors.New("body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return errors.New("decode: data after the JSON object")
	}
	return nil
}

// Time is a webhook's timestamp: null and "" decode as the zero time,
// anything else must parse (normalize.ParseTime) or the delivery is
// refused.
type Time time.Time

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time: %w", err)
	}
	if s == nil || *s == "" {
		*t = Time{}
		return nil
	}
	v, err := normalize.ParseTime(*s, normalize.TimeContext{})
	if err != nil {
		return err
	}
	*t = Time(v)
	return nil
}
