// Package catalogue is upstat's built-in list of vendor status pages: about
// a thousand vendors a config can name by id alone (`- id: stripe`). The
// data is vendors.yaml, embedded, produced by `make catalogue` from public
// lists (see NOTICE and docs/catalogue.md) and a hand-kept overlay.
//
// vendors.yaml is YAML written in its JSON-compatible flow style, one
// vendor per line, so that it stays reviewable (a diff names the vendors it
// changes) and decodes as JSON at start in about 1.5 ms of CPU.
package catalogue

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/go-json-experiment/json"
	"sort"
	"strings"
	"sync"

	"github.com/upstat/upstat"
)

//go:embed vendors.yaml
var vendorsFile []byte

// Entry is one catalogued vendor: enough to watch it with no other
// configuration.
type Entry struct {
	// ID is unique and stable ([a-z0-9-]+); ids.txt holds every id ever
	// published, retired.yaml the ones replaced.
	ID   string `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
	// Kind is a source kind (statuspage, feed, statusio, ...).
	Kind string `json:"kind" yaml:"kind"`
	URL  string `json:"url" yaml:"url"`
	// Options are the kind's own options (status.io's page_id).
	Options map[string]string `json:"options,omitempty" yaml:"options"`
	// Aliases are other ids and other hosts of the same vendor.
	Aliases []string `json:"aliases,omitempty" yaml:"aliases"`
	// Domains are the vendor's own domains ("stripe.com"), where a source
	// gives them: a hostname under one of them belongs to the vendor.
	Domains  []string `json:"domains,omitempty" yaml:"domains"`
	Category string   `json:"category,omitempty" yaml:"category"`
	// Source names the list(s) the entry came from.
	Source string `json:"source" yaml:"source"`
}

// Catalogue is a loaded catalogue with its lookup indexes. It is
// immutable once loaded and safe for concurrent use.
type Catalogue struct {
	entries []Entry
	byKey   map[string]int // id, alias, host → index
	byDom   map[string]int // domain → index
}

// Parse decodes a catalogue file (vendors.yaml's form: leading "#"
// comment lines, then a JSON array) and indexes it. It fails on a
// malformed file, an id not matching [a-z0-9-]+, or a key (id, alias or
// host) claimed by two entries.
func Parse(b []byte) (*Catalogue, error) {
	var entries []Entry
	if err := json.Unmarshal(stripComments(b), &entries); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	c := &Catalogue{entries: entries, byKey: make(map[string]int, 3*len(entries)), byDom: map[string]int{}}
	for i, e := range entries {
		if !validID(e.ID) {
			return nil, fmt.Errorf("catalogue: %w: entry %d: id %q must match [a-z0-9-]+", upstat.ErrInvalid, i, e.ID)
		}
		claim := func(k string) error {
			if j, dup := c.byKey[k]; dup && j != i {
				return fmt.Errorf("catalogue: %w: %q is claimed by %s and %s", upstat.ErrInvalid, k, entries[j].ID, e.ID)
			}
			c.byKey[k] = i
			return nil
		}
		if err := claim(e.ID); err != nil {
			return nil, err
		}
		if err := claim(Host(e.URL)); err != nil {
			return nil, err
		}
		for _, a := range e.Aliases {
			if err := claim(strings.ToLower(a)); err != nil {
				return nil, err
			}
		}
		for _, d := range e.Domains {
			c.byDom[strings.TrimPrefix(d, "*.")] = i
		}
	}
	return c, nil
}

// validID reports whether id matches [a-z0-9-]+.
func validID(id string) bool {
	if id == "" {
		return false
	}
	for _, c := range []byte(id) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// stripComments drops the leading lines that start with "#".
func stripComments(b []byte) []byte {
	for len(b) > 0 && b[0] == '#' {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		b = b[i+1:]
	}
	return b
}

// Default returns the embedded catalogue, decoded once. The embedded file
// is checked by the package's tests, so an error here means a broken build.
var Default = sync.OnceValues(func() (*Catalogue, error) { return Parse(vendorsFile) })

// Keys returns every name the entry answers to: its id, its aliases and
// the host of its URL, lower-cased.
func (e Entry) Keys() []string {
	keys := []string{e.ID}
	if h := Host(e.URL); h != "" {
		keys = append(keys, h)
	}
	for _, a := range e.Aliases {
		keys = append(keys, strings.ToLower(a))
	}
	return dedupe(keys)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// Host returns the lower-cased host of a URL ("" if it has none).
func Host(rawURL string) string {
	s := rawURL
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[i:], "]") {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// Len is the number of entries.
func (c *Catalogue) Len() int { return len(c.entries) }

// Entries returns every entry, sorted by id. The slice is a copy.
func (c *Catalogue) Entries() []Entry { return append([]Entry(nil), c.entries...) }

// Lookup finds an entry by id, alias or host (a URL is reduced to its
// host). Matching ignores case.
func (c *Catalogue) Lookup(key string) (Entry, bool) {
	k := strings.ToLower(strings.TrimSpace(key))
	if i, ok := c.byKey[k]; ok {
		return c.entries[i], true
	}
	if strings.Contains(k, "://") {
		if i, ok := c.byKey[Host(k)]; ok {
			return c.entries[i], true
		}
	}
	return Entry{}, false
}

// List returns the entries of one kind (all of them if kind is ""),
// sorted by id.
func (c *Catalogue) List(kind string) []Entry {
	var out []Entry
	for _, e := range c.entries {
		if kind == "" || e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// Kinds returns the number of entries per kind.
func (c *Catalogue) Kinds() map[string]int {
	t := map[string]int{}
	for _, e := range c.entries {
		t[e.Kind]++
	}
	return t
}

// Search returns the entries whose id, name, alias, domain or category
// contains word (ignoring case), best first: an exact id or alias, then
// a name or id that starts with word, then any other match; ties by id.
// An empty word matches nothing.
func (c *Catalogue) Search(word string) []Entry {
	w := strings.ToLower(strings.TrimSpace(word))
	if w == "" {
		return nil
	}
	type hit struct {
		rank int
		e    Entry
	}
	var hits []hit
	for _, e := range c.entries {
		if r, ok := rank(e, w); ok {
			hits = append(hits, hit{r, e})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].rank < hits[j].rank })
	out := make([]Entry, len(hits))
	for i, h := range hits {
		out[i] = h.e
	}
	return out
}

// rank says whether e matches w and how well (lower is better).
func rank(e Entry, w string) (int, bool) {
	name := strings.ToLower(e.Name)
	keys := e.Keys()
	for _, k := range keys {
		if k == w {
			return 0, true
		}
	}
	if strings.HasPrefix(e.ID, w) || strings.HasPrefix(name, w) {
		return 1, true
	}
	hay := append(keys, name, strings.ToLower(e.Category))
	hay = append(hay, e.Domains...)
	for _, h := range hay {
		if strings.Contains(h, w) {
			return 2, true
		}
	}
	return 0, false
}
