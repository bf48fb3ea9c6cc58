package aggregate

import (
	"encoding/hex"
	"hash"
	"hash/fnv"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// vendorState is the in-memory view of one vendor. Once published in
// Service.vendors it is never modified: a Record builds the next one
// (sharing the maps it does not change) and swaps it in after the commit,
// so readers only need the lock to look it up.
type vendorState struct {
	row     upstat.VendorRecord
	sources []upstat.SourceRecord
	// components are the vendor's components in display order (source,
	// then position), compact (see component). No map: at 10,000 vendors,
	// a map per vendor tripled their memory. A poll that changes
	// components indexes them for the time it takes.
	components []component
	names      string   // the components' names and groups, see component
	groups     []string // the components' distinct groups, in names
	// incs holds the vendor's open (not closed) incidents, without
	// updates; closed ones stay in the database.
	incs map[string]upstat.IncidentRecord

	active []upstat.Incident // active incidents, newest first, from incs

	// warnings[i] are the warnings of source i's last full snapshot
	// (what it could not read: an unrecognised status word). Kept in
	// memory only: the first poll after a start parses in full again.
	warnings [][]string
	// via[i] is the kind that read source i's last full snapshot when it
	// is not the configured one (Snapshot.Via); memory only, as warnings.
	via []string

	// observed is the vendor's probes' signal (SetObserved); nil without
	// probes. Kept in memory only.
	observed *upstat.Observed

	// enc is the encoded summary, made on demand; every state has its own.
	enc *vendorJSON
}

func newVendorState(st *upstat.VendorState) *vendorState {
	v := &vendorState{
		row:      st.VendorRecord,
		sources:  st.Sources,
		incs:     make(map[string]upstat.IncidentRecord, len(st.Incidents)),
		warnings: make([][]string, len(st.Sources)),
		via:      make([]string, len(st.Sources)),
		enc:      &vendorJSON{},
	}
	for _, inc := range st.Incidents {
		v.incs[inc.ID] = inc
	}
	v.setComponents(st.Components)
	v.deriveActive()
	return v
}

// component is a Component as the state keeps it between polls, with
// where it was last reported: 32 bytes, its name in the vendor's names
// string and its group an index in the vendor's groups, instead of a
// Component's 72, an 8-byte place and a string allocation per name and
// group (at 10,000 vendors, ~420,000 components held 34 MB, many small
// strings scattered among a poll's garbage).
type component struct {
	at              int64  // UpdatedAt in Unix nanoseconds, noTime when zero
	nameAt, nameLen uint32 // the name is names[nameAt:nameAt+nameLen]
	group           uint32 // groups[group]
	sourceIdx       int32
	pos             int32
	status          upstat.Severity
	hidden          bool
}

// noTime stands for a zero UpdatedAt (UnixNano of the zero time is
// undefined).
const noTime = math.MinInt64

// name and group return a component's strings, sharing names' memory.
func (v *vendorState) name(c *component) string { return v.names[c.nameAt : c.nameAt+c.nameLen] }

func (v *vendorState) group(c *component) string { return v.groups[c.group] }

// componentView is the i-th component as the domain type (times in UTC).
func (v *vendorState) componentView(i int) upstat.Component {
	c := &v.components[i]
	out := upstat.Component{Name: v.name(c), Group: v.group(c), Status: c.status, Hidden: c.hidden}
	if c.at != noTime {
		out.UpdatedAt = time.Unix(0, c.at).UTC()
	}
	return out
}

// key is the i-th component's key.
func (v *vendorState) key(i int) upstat.ComponentKey {
	c := &v.components[i]
	return upstat.ComponentKey{Group: v.group(c), Name: v.name(c)}
}

// component returns the i-th component with its place.
func (v *vendorState) component(i int) upstat.ComponentRecord {
	c := &v.components[i]
	return upstat.ComponentRecord{Component: v.componentView(i), SourceIdx: int(c.sourceIdx), Pos: int(c.pos)}
}

// componentViews returns the components as domain values, in order.
func (v *vendorState) componentViews() []upstat.Component {
	out := make([]upstat.Component, len(v.components))
	for i := range v.components {
		out[i] = v.componentView(i)
	}
	return out
}

// componentIndex maps each component's key to its index.
func (v *vendorState) componentIndex() map[upstat.ComponentKey]int {
	idx := make(map[upstat.ComponentKey]int, len(v.components))
	for i := range v.components {
		idx[v.key(i)] = i
	}
	return idx
}

func componentKey(c upstat.Component) upstat.ComponentKey {
	return upstat.ComponentKey{Group: c.Group, Name: c.Name}
}

// setComponents replaces the components with all (which it sorts).
func (v *vendorState) setComponents(all []upstat.ComponentRecord) {
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.SourceIdx != b.SourceIdx {
			return a.SourceIdx < b.SourceIdx
		}
		if a.Pos != b.Pos {
			return a.Pos < b.Pos
		}
		return a.Key() < b.Key()
	})
	v.components = make([]component, len(all))
	// Groups are few and mostly contiguous in display order: the last one
	// is tried first, then the others.
	var groups []string
	size := 0
	for i, c := range all {
		g := len(groups) - 1
		for g >= 0 && groups[g] != c.Group {
			g--
		}
		if g < 0 {
			groups = append(groups, c.Group)
			g = len(groups) - 1
			size += len(c.Group)
		}
		v.components[i].group = uint32(g)
		size += len(c.Name)
	}
	// One string holds the groups, then the names, sized exactly (a
	// Builder grown past its size would keep the spare capacity).
	var names strings.Builder
	names.Grow(size)
	for _, g := range groups {
		names.WriteString(g)
	}
	for i, c := range all {
		nc := &v.components[i]
		nc.at, nc.sourceIdx, nc.pos, nc.status, nc.hidden = noTime, int32(c.SourceIdx), int32(c.Pos), c.Status, c.Hidden
		if !c.UpdatedAt.IsZero() {
			nc.at = c.UpdatedAt.UnixNano()
		}
		nc.nameAt, nc.nameLen = uint32(names.Len()), uint32(len(c.Name))
		names.WriteString(c.Name)
	}
	v.names = names.String()
	v.groups = make([]string, len(groups))
	at := 0
	for j, g := range groups {
		v.groups[j] = v.names[at : at+len(g)]
		at += len(g)
	}
}

func (v *vendorState) deriveActive() {
	v.active = v.active[:0:0]
	for _, inc := range v.incs {
		if inc.Active() {
			v.active = append(v.active, inc.Incident)
		}
	}
	sort.Slice(v.active, func(i, j int) bool { return newerFirst(&v.active[i], &v.active[j]) })
}

// newerFirst orders incidents as every listing does: StartedAt, then ID,
// descending.
func newerFirst(a, b *upstat.Incident) bool {
	if !a.StartedAt.Equal(b.StartedAt) {
		return a.StartedAt.After(b.StartedAt)
	}
	return a.ID > b.ID
}

// status computes the vendor's status: Unknown before any successful poll,
// else normalize.VendorStatus of its components, active incidents and its
// sources' page indicators.
func (v *vendorState) status() upstat.Severity {
	if v.row.LastSuccessAt == nil {
		return upstat.Unknown
	}
	var indicators []upstat.Severity
	for _, s := range v.sources {
		if s.Indicator != nil {
			indicators = append(indicators, *s.Indicator)
		}
	}
	// The components count by their status alone: their worst is one more
	// indicator to VendorStatus.
	worst := upstat.Operational
	for i := range v.components {
		worst = upstat.Worse(worst, v.components[i].status)
	}
	return normalize.VendorStatus(nil, v.active, append(indicators, worst)...)
}

// normTime drops what the database does not keep (sub-millisecond
// precision, the zone, the monotonic reading), so a value compares equal
// to itself after a round trip.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := normTime(*t)
	return &n
}

// incidentHashes returns the hash of everything stored about inc and the
// hash of what an incident.updated event reports (title, status, severity,
// components, updates).
func incidentHashes(inc *upstat.Incident) (full, notice string) {
	h := fnv.New128a()
	put := func(parts ...string) {
		for _, p := range parts {
			_, _ = io.WriteString(h, p)
			_, _ = h.Write([]byte{0})
		}
	}
	put(inc.Title, string(inc.Status), strconv.Itoa(int(inc.Severity)), strconv.Itoa(len(inc.Components)))
	put(inc.Components...)
	put(strconv.Itoa(len(inc.Updates)))
	for _, u := range inc.Updates {
		put(u.ID, stamp(u.At), string(u.Status), u.Body)
	}
	notice = sum(h)
	put(string(inc.Kind), inc.URL, stamp(inc.StartedAt), stamp(inc.UpdatedAt),
		stampPtr(inc.ResolvedAt), stampPtr(inc.ScheduledFor), stampPtr(inc.ScheduledUntil), inc.SeveritySource)
	return sum(h), notice
}

func sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

func stamp(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func stampPtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t)
}
