// Package document holds what the structured source kinds (gcp, aws,
// azure, slack, heroku, statusio, betterstack, ...) share to poll their
// documents: a conditional
// fetch that remembers validators and the last body only once a snapshot
// is recorded (Snapshot.OnCommit), and the components a source reported,
// so a component whose incident vanished comes back operational.
package document

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"maps"
	"sort"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

// Doc is one document a Source polls. Its zero value (with URL set) is
// ready; it is not safe for concurrent use (Polls never are).
type Doc struct {
	URL    string
	Accept string // the Accept header
	// Check, when set, refuses a body that cannot be this document before
	// it is decoded (Response.LooksLikeJSON, a content-type check); it
	// may normalise the body (LooksLikeJSON transcodes UTF-16).
	Check func(*sources.Response) error
	// DigestOnly remembers a digest of the recorded body instead of the
	// body itself, for a Source that parses nothing when its document is
	// unchanged: Fetched.Body is then nil on a 304. A Source that parses
	// several documents together leaves it false, as it needs an
	// unchanged document's body when another one changed.
	DigestOnly bool

	body     []byte            // the last recorded body (not with DigestOnly)
	sum      [sha256.Size]byte // its digest (only with DigestOnly)
	recorded bool              // a body was recorded
}

// Fetched is what one poll fetched of a Doc.
type Fetched struct {
	// Body is the document's body this poll: the last recorded one on a
	// 304 (nil with Doc.DigestOnly).
	Body []byte
	// Changed is false when Body is the last recorded body (a 304 or an
	// identical body): there is nothing new to parse.
	Changed bool

	doc  *Doc
	resp *sources.Response
	sum  [sha256.Size]byte // Body's digest (only with Doc.DigestOnly)
}

// ErrUnconditional304 is a 304 answered to a request without validators.
var ErrUnconditional304 = errors.New("http 304 to an unconditional request")

// JSON is a Check that refuses what is not JSON (an HTML error page, a
// bot challenge) and transcodes a UTF-16 body with a byte-order mark.
func JSON(r *sources.Response) error { return r.LooksLikeJSON() }

// Get fetches d through f, conditionally once a body was recorded. A 304
// before any body was recorded (validators another Source left in the
// shared Fetcher) fetches in full instead.
func (d *Doc) Get(ctx context.Context, f *sources.Fetcher) (*Fetched, error) {
	resp, err := f.Get(ctx, d.URL, d.Accept)
	if err == nil && resp.NotModified && !d.recorded {
		f.Forget(d.URL)
		if resp, err = f.Get(ctx, d.URL, d.Accept); err == nil && resp.NotModified {
			err = ErrUnconditional304
		}
	}
	if err != nil {
		return nil, err
	}
	if resp.NotModified {
		return &Fetched{Body: d.body, doc: d, resp: resp}, nil
	}
	if d.Check != nil {
		if err := d.Check(resp); err != nil {
			return nil, err
		}
	}
	got := &Fetched{Body: resp.Body, doc: d, resp: resp}
	if d.DigestOnly {
		got.sum = sha256.Sum256(resp.Body)
		got.Changed = !d.recorded || got.sum != d.sum
	} else {
		got.Changed = !d.recorded || !bytes.Equal(resp.Body, d.body)
	}
	return got, nil
}

// Poll is the Poll of a Source of one document: it fetches d through f
// and, when the body changed, has parse turn it into a snapshot whose
// recording commits the fetch. An unchanged document is the NotModified
// snapshot (Unchanged); an error of the fetch or of parse is returned as
// it is, and nothing is remembered.
func (d *Doc) Poll(ctx context.Context, f *sources.Fetcher, parse func(body []byte) (*upstat.Snapshot, error)) (*upstat.Snapshot, error) {
	got, err := d.Get(ctx, f)
	if err != nil {
		return nil, err
	}
	if !got.Changed {
		return Unchanged(got), nil
	}
	snap, err := parse(got.Body)
	if err != nil {
		return nil, err
	}
	snap.OnCommit(got.Commit)
	return snap, nil
}

// Commit remembers the fetched body and validators, so that the next Get
// is conditional and an identical body reads as unchanged. Call it only
// from the snapshot's commit (Snapshot.OnCommit): a snapshot that was not
// recorded must be fetched and parsed in full again.
func (r *Fetched) Commit() {
	if r == nil {
		return
	}
	r.resp.Commit()
	if r.resp.NotModified {
		return // the recorded body and digest stay
	}
	if r.doc.DigestOnly {
		r.doc.sum, r.doc.recorded = r.sum, true
	} else {
		r.doc.body, r.doc.recorded = r.Body, true
	}
}

// Forget drops what was recorded of d, so that its next Get fetches and
// reads in full: for a Source whose recorded snapshot did without d (an
// optional document that answered 404).
func (d *Doc) Forget() {
	d.body, d.sum, d.recorded = nil, [sha256.Size]byte{}, false
}

// Unchanged returns the NotModified snapshot of a poll whose documents
// all came back unchanged; recording it commits them.
func Unchanged(fetched ...*Fetched) *upstat.Snapshot {
	snap := &upstat.Snapshot{NotModified: true}
	for _, r := range fetched {
		snap.OnCommit(r.Commit)
	}
	return snap
}

// Seen is the set of components a Source's recorded snapshots reported.
// For a source that lists only what is affected (a cloud's open events),
// a component no longer listed is reported operational — its incident
// ended — instead of vanishing with its last state. Its zero value is
// ready.
type Seen struct {
	comps map[string]upstat.Component
}

// Report adds to snap.Components, as operational, every component seen
// before that snap no longer lists, and has recording snap remember its
// components.
func (s *Seen) Report(snap *upstat.Snapshot) {
	next := maps.Clone(s.comps)
	if next == nil {
		next = map[string]upstat.Component{}
	}
	listed := make(map[string]bool, len(snap.Components))
	for _, c := range snap.Components {
		listed[c.Key()] = true
		next[c.Key()] = c
	}
	for k, c := range s.comps {
		if !listed[k] {
			c.Status = upstat.Operational
			snap.Components = append(snap.Components, c)
		}
	}
	SortComponents(snap.Components)
	snap.OnCommit(func() { s.comps = next })
}

// SortComponents orders components by key (group, then name).
func SortComponents(cs []upstat.Component) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Key() < cs[j].Key() })
}

// Names is a case-insensitive set of names from a list option (regions,
// services, products, locations). The set of an empty list is nil and
// matches everything.
type Names map[string]bool

// NewNames returns the set of list, nil when it is empty.
func NewNames(list []string) Names {
	if len(list) == 0 {
		return nil
	}
	n := Names{}
	for _, v := range list {
		n[strings.ToLower(strings.TrimSpace(v))] = true
	}
	return n
}

// Match reports whether the set is nil (no option: all) or holds one of
// the non-empty names.
func (n Names) Match(names ...string) bool {
	if n == nil {
		return true
	}
	for _, v := range names {
		if v != "" && n[strings.ToLower(strings.TrimSpace(v))] {
			return true
		}
	}
	return false
}
