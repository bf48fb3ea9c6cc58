// Package sources fetches vendor status pages. Each kind of page (a
// Statuspage API, a feed, an HTML page) is an adapter in its own
// sub-package that registers itself here by kind; the rest of upstat only
// sees the Source interface and upstat.Snapshot.
package sources

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// Source is one configured source of one vendor. Poll is called by the
// scheduler, never concurrently for the same Source. An adapter may keep
// state between polls (validators, a slower cadence for history endpoints).
type Source interface {
	// Poll fetches the source and returns what it says, normalised. On a
	// 304 or an identical body it returns a Snapshot with NotModified set
	// and does no parsing. Any failure is returned as an error describing
	// the cause in a few words ("http 503", "decode: unexpected EOF").
	Poll(ctx context.Context) (*upstat.Snapshot, error)
}

// Spec is a source as configured.
type Spec struct {
	Kind   string
	URL    string
	Vendor string // the vendor id, for logs and derived ids
	// Decode decodes the kind-specific options (every key of the source's
	// config entry except kind, url, interval and timeout) into v, strictly:
	// an unknown key is an error naming its line. Nil means "no options".
	Decode func(v any) error
}

// Env carries what every adapter needs from outside.
type Env struct {
	Fetcher *Fetcher
	// Mapper maps vendor-native values to severities, with this vendor's
	// overrides applied.
	Mapper *normalize.Mapper
	Now    func() time.Time
	Log    *slog.Logger
}

// Factory builds a Source from its configuration. Configuration errors
// are returned wrapping upstat.ErrInvalid and name the offending key.
type Factory func(spec Spec, env Env) (Source, error)

// Kind describes one registered adapter.
type Kind struct {
	Name    string
	Aliases []string
	New     Factory
	// Summary is a one-line description for help output and the README.
	Summary string
	// Detect, when set, lets `kind: auto` and `upstat detect` recognise a
	// page of this kind from its address.
	Detect *Detector
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Kind{}
)

// Register adds an adapter kind (and its aliases). It panics if a name is
// already taken: two adapters claiming one kind is a programming error.
func Register(k Kind) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, name := range append([]string{k.Name}, k.Aliases...) {
		if _, dup := registry[name]; dup {
			panic(fmt.Sprintf("sources: kind %q registered twice", name))
		}
		registry[name] = k
	}
}

// Lookup returns the adapter registered under name (or an alias).
func Lookup(name string) (Kind, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	k, ok := registry[name]
	return k, ok
}

// Kinds lists the registered kind names (aliases excluded), sorted.
func Kinds() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var names []string
	for name, k := range registry {
		if k.Name == name {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// New builds a Source for spec through the registry.
func New(spec Spec, env Env) (Source, error) {
	k, ok := Lookup(spec.Kind)
	if !ok {
		return nil, fmt.Errorf("%w: unknown source kind %q (known: %v)", upstat.ErrInvalid, spec.Kind, Kinds())
	}
	src, err := k.New(spec, env)
	if err != nil {
		return nil, err
	}
	return marked{src}, nil
}

// marked is every source New builds: it marks the severities its adapter
// did not mark as guessed from text as the vendor's own
// (normalize.MarkVendorSeverity), in one place for every kind.
type marked struct{ Source }

// Adapter returns the adapter's own Source under what New adds.
func Adapter(src Source) Source {
	if m, ok := src.(marked); ok {
		return m.Source
	}
	return src
}

// Poll polls the adapter and marks its snapshot's severities.
func (m marked) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	snap, err := m.Source.Poll(ctx)
	normalize.MarkVendorSeverity(snap)
	return snap, err
}
