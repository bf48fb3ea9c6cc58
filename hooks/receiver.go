package hooks

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// Endpoint is one source that accepts webhooks: its vendor and index, its
// kind (which Decoder reads it), its configured url, its secret, and the
// vendor's mapper and component rules, applied to a delivery as to a poll.
type Endpoint struct {
	Vendor string
	Source int
	Kind   string
	URL    string
	// Secret authenticates deliveries; it is never logged.
	Secret string
	Mapper *normalize.Mapper
	// Transform, if set, is applied to the decoded snapshot before it is
	// pushed (components.ignore/rename).
	Transform func(*upstat.Snapshot)
}

// Pusher applies a partial snapshot at once (the aggregator's Push).
type Pusher interface {
	Push(ctx context.Context, vendorID string, sourceIdx int, snap *upstat.Snapshot) (changed bool, err error)
}

// ReceiverOptions are a Receiver's dependencies.
type ReceiverOptions struct {
	// Pusher applies deliveries (required).
	Pusher Pusher
	// PollNow, if set, is called with the vendor after every accepted
	// delivery, so a poll confirms what was pushed.
	PollNow func(vendor string) int
	// OnChange, if set, is called with the vendor after a delivery that
	// changed something (alert evaluation).
	OnChange func(vendor string)
	// Log receives one line per refused or failed delivery (never the
	// secret); nil discards.
	Log *slog.Logger
}

// Receiver authenticates webhook deliveries, decodes them and applies
// them. It is safe for concurrent use; Configure swaps its endpoints.
type Receiver struct {
	o         ReceiverOptions
	endpoints atomic.Pointer[map[string][]Endpoint]
}

// NewReceiver returns a Receiver with no endpoints. It panics without a
// Pusher (a programming error).
func NewReceiver(o ReceiverOptions) *Receiver {
	if o.Pusher == nil {
		panic("hooks: ReceiverOptions.Pusher is required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	r := &Receiver{o: o}
	r.Configure(nil)
	return r
}

// Configure makes eps the endpoints deliveries are checked against.
func (r *Receiver) Configure(eps []Endpoint) {
	m := make(map[string][]Endpoint, len(eps))
	for _, ep := range eps {
		if ep.Secret != "" {
			m[ep.Vendor] = append(m[ep.Vendor], ep)
		}
	}
	r.endpoints.Store(&m)
}

// Receive takes one delivery for vendor presenting secret. It finds the
// vendor's source whose secret matches (compared in constant time against
// each), decodes body with that source's kind, applies it at once through
// the Pusher and asks for a confirming poll. changed reports whether the
// delivery changed anything (a duplicate does not).
//
// Errors: a vendor without webhook endpoints (unknown, or none
// configured) wraps upstat.ErrNotFound; a wrong or missing secret
// upstat.ErrUnauthorized; a body that is not the family's shape
// upstat.ErrInvalid. Nothing is stored on any of them.
func (r *Receiver) Receive(ctx context.Context, vendor, secret string, body []byte) (changed bool, err error) {
	eps := (*r.endpoints.Load())[vendor]
	if len(eps) == 0 {
		r.o.Log.Warn("webhook refused: no webhook for this vendor", "vendor", vendor)
		return false, fmt.Errorf("hooks: %w: no webhook for vendor %q", upstat.ErrNotFound, vendor)
	}
	ep, ok := match(eps, secret)
	if !ok {
		r.o.Log.Warn("webhook refused: wrong secret", "vendor", vendor)
		return false, fmt.Errorf("hooks: %w: wrong webhook secret for vendor %q", upstat.ErrUnauthorized, vendor)
	}
	snap, err := Decode(ep.Kind, body, ep.URL, ep.Mapper)
	if err != nil {
		r.o.Log.Warn("webhook refused: unreadable body", "vendor", vendor, "source", ep.Source, "kind", ep.Kind, "err", err)
		return false, err
	}
	if ep.Transform != nil {
		ep.Transform(snap)
	}
	changed, err = r.o.Pusher.Push(ctx, vendor, ep.Source, snap)
	if err != nil {
		return false, fmt.Errorf("hooks: %w", err)
	}
	if changed && r.o.OnChange != nil {
		r.o.OnChange(vendor)
	}
	if r.o.PollNow != nil {
		r.o.PollNow(vendor)
	}
	return changed, nil
}

// match returns the endpoint whose secret is secret. Every secret is
// compared, so the time taken does not say which (or whether one) matched.
func match(eps []Endpoint, secret string) (Endpoint, bool) {
	var found Endpoint
	ok := 0
	for _, ep := range eps {
		eq := subtle.ConstantTimeCompare([]byte(ep.Secret), []byte(secret))
		if eq == 1 && ok == 0 {
			found = ep
		}
		ok |= eq
	}
	return found, ok == 1 && secret != ""
}
