package aggregate

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upstat/upstat"
)

// Freshness bounds of EncodedSummary.
const (
	// summaryMaxAge is how old the encoded summary may be, whatever
	// happened: the bound on how stale its last_checked_at can be.
	summaryMaxAge = time.Second
	// summaryMinAge is how long a change waits for others to share its
	// rebuild: the delay before an event shows in the summary.
	summaryMinAge = 100 * time.Millisecond
)

// summaryCache keeps the summary's vendors encoded, so serving it at
// thousands of vendors costs a copy, not an encoding per request.
type summaryCache struct {
	// version counts the changes readers see other than the poll times
	// (events, errors, staleness); Service.swap bumps it.
	version atomic.Uint64
	// buildMu lets one caller rebuild while the others wait for it.
	buildMu sync.Mutex
	cur     atomic.Pointer[encodedSummary]
}

type encodedSummary struct {
	builtAt time.Time
	version uint64
	vendors []byte // a JSON array
	totals  upstat.SummaryTotals
}

// vendorJSON is the encoding of a vendorState's summary, made once by the
// first summary that needs it (the state is immutable).
type vendorJSON struct {
	once sync.Once
	b    []byte
	err  error
}

func (v *vendorState) summaryJSON() ([]byte, error) {
	v.enc.once.Do(func() { v.enc.b, v.enc.err = json.Marshal(v.summary()) })
	return v.enc.b, v.enc.err
}

// EncodedSummary returns what Summary lists as a JSON array (times in
// UTC, as Summary's) and its totals (how many vendors, how many without
// data, the worst status among those with data). It is rebuilt at most every 100ms
// after a change (an event, a vendor's error or staleness) and at least
// every second (poll times), so a change shows within a second. The bytes
// are shared: callers must not modify them.
func (s *Service) EncodedSummary(ctx context.Context) (vendors []byte, totals upstat.SummaryTotals, err error) {
	if es := s.sum.cur.Load(); es != nil && s.summaryFresh(es) {
		return es.vendors, es.totals, nil
	}
	s.sum.buildMu.Lock()
	defer s.sum.buildMu.Unlock()
	es := s.sum.cur.Load()
	if es == nil || !s.summaryFresh(es) {
		if es, err = s.buildSummary(); err != nil {
			return nil, upstat.SummaryTotals{}, err
		}
		s.sum.cur.Store(es)
	}
	return es.vendors, es.totals, nil
}

func (s *Service) summaryFresh(es *encodedSummary) bool {
	age := s.now().Sub(es.builtAt)
	if age < 0 || age >= summaryMaxAge {
		return false
	}
	return age < summaryMinAge || es.version == s.sum.version.Load()
}

func (s *Service) buildSummary() (*encodedSummary, error) {
	es := &encodedSummary{builtAt: s.now(), version: s.sum.version.Load()}
	states := s.states()
	parts := make([][]byte, len(states))
	size := 2 + len(states)
	for i, v := range states {
		b, err := v.summaryJSON()
		if err != nil {
			return nil, fmt.Errorf("aggregate: encode summary of %s: %w", v.row.ID, err)
		}
		parts[i], size = b, size+len(b)
		es.totals.Add(v.row.Status)
	}
	// One allocation of the exact size: at 10,000 vendors it is ~3.5 MB,
	// rebuilt up to ten times a second.
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i, b := range parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	out = append(out, ']')
	es.vendors = out
	return es, nil
}
