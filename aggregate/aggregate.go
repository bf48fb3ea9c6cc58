// Package aggregate merges what every source says about a vendor into one
// state, persists it through an upstat.VendorStore (store/sqlite or
// store/postgres), diffs each poll into events, and tracks each vendor's
// health (errors, staleness, status). It serves the
// read side (upstat.Reader) from an in-memory copy of the current state,
// loaded from the database at Configure so a restart loses nothing, and
// streams events to subscribers (upstat.EventSource).
package aggregate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/upstat/upstat"
)

// Defaults for Options.
const (
	DefaultStaleAfter         = 10 * time.Minute
	DefaultSubscriberBuffer   = 256
	DefaultMaxActiveIncidents = 200
	DefaultRetention          = 400 * 24 * time.Hour
	// pruneBatch bounds the rows one pruning transaction deletes.
	pruneBatch = 500
)

// VendorConfig is a configured vendor.
type VendorConfig struct {
	ID      string // [a-z0-9-]+, unique
	Name    string
	Labels  map[string]string
	Sources []SourceConfig // a source is identified by its index here
}

// SourceConfig is one configured source of a vendor.
type SourceConfig struct {
	Kind string
	URL  string
}

// Options tune a Service. Zero values take the defaults.
type Options struct {
	Now              func() time.Time // default time.Now
	StaleAfter       time.Duration    // default 10m
	Log              *slog.Logger     // default slog.Default()
	SubscriberBuffer int              // events buffered per subscriber, default 256
	// MaxActiveIncidents caps the open incidents of one vendor (default
	// 200): a poll that would take a vendor beyond it fails and stores
	// nothing (a page whose incident ids change on every poll).
	MaxActiveIncidents int
	// Retention is how long closed incidents and events are kept
	// (default 400 days); see Prune.
	Retention time.Duration
	// ReconcileAfter is how many successful polls in a row of a source
	// listing every open incident must miss one before it is closed
	// (default 3); see Record.
	ReconcileAfter int
	// Shared says other replicas write the same store (PostgreSQL): the
	// service then hands events to subscribers only through Follow, in
	// the store's Seq order with theirs, and Follow must run.
	Shared bool
}

// Service is the aggregator. It is safe for concurrent use; writes
// (Configure, Record, CheckStale) are serialised.
type Service struct {
	db         upstat.VendorStore
	now        func() time.Time
	staleAfter time.Duration
	maxActive  int
	retention  time.Duration
	reconcile  int
	log        *slog.Logger

	// writeMu serialises Configure, Record and CheckStale.
	writeMu sync.Mutex
	// listings are the sources listing every open incident, under writeMu.
	listings map[sourceKey]*listing
	// mu guards order and vendors; the states they point to are immutable.
	mu      sync.RWMutex
	order   []string
	vendors map[string]*vendorState

	hub  *hub
	sum  summaryCache
	svcs serviceSet // the configured services, for service events
	// follow is set when the store is shared (Options.Shared).
	follow *follower
}

var (
	_ upstat.Reader      = (*Service)(nil)
	_ upstat.EventSource = (*Service)(nil)
)

// New returns a Service storing into db. It lists no vendor until
// Configure is called.
func New(db upstat.VendorStore, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.SubscriberBuffer <= 0 {
		opts.SubscriberBuffer = DefaultSubscriberBuffer
	}
	if opts.MaxActiveIncidents <= 0 {
		opts.MaxActiveIncidents = DefaultMaxActiveIncidents
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.ReconcileAfter <= 0 {
		opts.ReconcileAfter = DefaultReconcileAfter
	}
	s := &Service{
		db:         db,
		now:        opts.Now,
		staleAfter: opts.StaleAfter,
		maxActive:  opts.MaxActiveIncidents,
		retention:  opts.Retention,
		reconcile:  opts.ReconcileAfter,
		listings:   map[sourceKey]*listing{},
		log:        opts.Log,
		vendors:    map[string]*vendorState{},
		hub:        newHub(opts.SubscriberBuffer),
	}
	if opts.Shared {
		s.follow = newFollower()
	}
	return s
}

var validVendorID = regexp.MustCompile(`^[a-z0-9-]+$`)

// Configure sets the vendors to track, in the order Summary lists them. It
// upserts them and their sources, then loads their persisted state. Vendors
// no longer configured keep their history in the database but are no longer
// listed. A vendor whose derived health changed (a source removed, say) is
// rewritten, with the matching events. A missing, malformed or duplicate id
// or a vendor without sources is an error wrapping upstat.ErrInvalid.
func (s *Service) Configure(ctx context.Context, vendors []VendorConfig) error {
	rows := make([]upstat.VendorState, len(vendors))
	seen := map[string]bool{}
	for i, v := range vendors {
		switch {
		case !validVendorID.MatchString(v.ID):
			return fmt.Errorf("aggregate: configure: %w: vendor id %q (want [a-z0-9-]+)", upstat.ErrInvalid, v.ID)
		case seen[v.ID]:
			return fmt.Errorf("aggregate: configure: %w: vendor id %q listed twice", upstat.ErrInvalid, v.ID)
		case len(v.Sources) == 0:
			return fmt.Errorf("aggregate: configure: %w: vendor %q has no source", upstat.ErrInvalid, v.ID)
		}
		seen[v.ID] = true
		rows[i].ID, rows[i].Name, rows[i].Labels = v.ID, v.Name, maps.Clone(v.Labels)
		for _, src := range v.Sources {
			rows[i].Sources = append(rows[i].Sources, upstat.SourceRecord{Kind: src.Kind, URL: src.URL})
		}
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.follow != nil {
		if err := s.startCursor(ctx); err != nil {
			return fmt.Errorf("aggregate: configure: %w", err)
		}
	}
	// The states are reloaded from the database: it must hold the latest
	// poll times.
	if err := s.db.FlushTouches(ctx); err != nil {
		return fmt.Errorf("aggregate: configure: %w", err)
	}
	if err := s.db.Configure(ctx, rows); err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	order := make([]string, len(vendors))
	states := make(map[string]*vendorState, len(vendors))
	var events []upstat.Event
	now := s.clock()
	for i, v := range vendors {
		st, err := s.db.LoadVendor(ctx, v.ID)
		if err != nil {
			return fmt.Errorf("aggregate: configure: %w", err)
		}
		r := newRecorder(newVendorState(st), now)
		r.finish(s.staleAfter)
		if r.healthChanged() {
			err := s.apply(ctx, r)
			if errors.Is(err, upstat.ErrConflict) {
				// Another replica wrote it meanwhile: take what it wrote.
				if st, err = s.db.LoadVendor(ctx, v.ID); err == nil {
					r = newRecorder(newVendorState(st), now)
				}
			}
			if err != nil {
				return fmt.Errorf("aggregate: configure: %w", err)
			}
			events = append(events, r.ch.Events...)
		}
		if prev := s.vendors[v.ID]; prev != nil { // (writeMu held: no writer races)
			r.next.observed = prev.observed
		}
		order[i], states[v.ID] = v.ID, r.next
	}
	s.mu.Lock()
	s.order, s.vendors = order, states
	s.mu.Unlock()
	clear(s.listings) // sources may have changed: count again
	s.sum.version.Add(1)
	s.publish(ctx, events)
	return nil
}

// clock returns the current time as it is stored.
func (s *Service) clock() time.Time { return normTime(s.now()) }

// state returns the current state of a configured vendor.
func (s *Service) state(id string) (*vendorState, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.vendors[id]
	if !ok {
		return nil, fmt.Errorf("vendor %q: %w", id, upstat.ErrNotFound)
	}
	return v, nil
}

// swap publishes the next state of a vendor. visible says whether it
// changed more than poll times: the encoded summary is then rebuilt
// sooner.
func (s *Service) swap(id string, next *vendorState, visible bool) {
	s.mu.Lock()
	s.vendors[id] = next
	s.mu.Unlock()
	if visible {
		s.sum.version.Add(1)
	}
}

// publish logs committed events and hands them to subscribers. With a
// shared store the events go to Follow instead, which hands them
// out in the store's order with the other replicas' events.
func (s *Service) publish(ctx context.Context, events []upstat.Event) {
	if s.follow != nil {
		s.follow.written(events)
		return
	}
	s.logEvents(ctx, events)
	s.hub.publish(events)
}

// logEvents logs committed events. Vendor events are logged at info
// level; incident and component events, which come by the hundred on a
// first poll, at debug level.
func (s *Service) logEvents(ctx context.Context, events []upstat.Event) {
	for _, e := range events {
		level := slog.LevelDebug
		if strings.HasPrefix(string(e.Type), "vendor.") {
			level = slog.LevelInfo
		}
		s.log.Log(ctx, level, "event", "seq", e.Seq, "type", string(e.Type), "vendor", e.Vendor,
			"incident_id", e.IncidentID, "component", e.Component, "from", e.From.String(), "to", e.To.String())
	}
}
