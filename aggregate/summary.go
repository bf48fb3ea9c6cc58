package aggregate

import (
	"bytes"
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
	n       int
	worst   upstat.Severity
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
// UTC, as Summary's), how many vendors it holds and the worst of their
// statuses (Unknown when there is none). It is rebuilt at most every 100ms
// after a change (an event, a vendor's error or staleness) and at least
// every second (poll times), so a change shows within a second. The bytes
// are shared: callers must not modify them.
func (s *Service) EncodedSummary(ctx context.Context) (vendors []byte, n int, worst upstat.Severity, err error) {
	if es := s.sum.cur.Load(); es != nil && s.summaryFresh(es) {
		return es.vendors, es.n, es.worst, nil
	}
	s.sum.buildMu.Lock()
	defer s.sum.buildMu.Unlock()
	es := s.sum.cur.Load()
	if es == nil || !s.summaryFresh(es) {
		if es, err = s.buildSummary(); err != nil {
			return nil, 0, upstat.Unknown, err
		}
		s.sum.cur.Store(es)
	}
	return es.vendors, es.n, es.worst, nil
}

func (s *Service) summaryFresh(es *encodedSummary) bool {
	age := s.now().Sub(es.builtAt)
	if age < 0 || age >= summaryMaxAge {
		return false
	}
	return age < summaryMinAge || es.version == s.sum.version.Load()
}

func (s *Service) buildSummary() (*encodedSummary, error) {
	es := &encodedSummary{builtAt: s.now(), version: s.sum.version.Load(), worst: upstat.Unknown}
	states := s.states()
	var buf bytes.Buffer
	size := 2
	if len(states) > 0 {
		// Poll times change every few seconds; a vendor that kept its
		// encoding is a fair guess at the size of every one.
		if b, err := states[0].summaryJSON(); err == nil {
			size += len(states) * (len(b) + 1)
		}
	}
	buf.Grow(size)
	buf.WriteByte('[')
	for i, v := range states {
		b, err := v.summaryJSON()
		if err != nil {
			return nil, fmt.Errorf("aggregate: encode summary of %s: %w", v.row.ID, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
		es.worst = upstat.Worse(es.worst, v.row.Status)
	}
	buf.WriteByte(']')
	es.vendors, es.n = buf.Bytes(), len(states)
	return es, nil
}
