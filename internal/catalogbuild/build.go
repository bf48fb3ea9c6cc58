package catalogbuild

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/upstat/upstat/catalogue"
)

// Result is a built catalogue and what was left out, by reason.
type Result struct {
	Entries []catalogue.Entry
	Dropped map[string]int
}

// watchKinds maps vendor-status-watch's platform to an upstat kind; a
// platform missing here has no adapter (or is dead) and is dropped.
var watchKinds = map[string]string{
	"statuspage":  "statuspage",
	"status.io":   "statusio",
	"instatus":    "instatus",
	"betterstack": "betterstack",
	"incident.io": "incidentio",
	"cachet":      "cachet",
}

var validID = regexp.MustCompile(`^[a-z0-9-]+$`)

// builder holds the entries while they are merged.
type builder struct {
	entries []*catalogue.Entry
	byHost  map[string]*catalogue.Entry
	byName  map[string]*catalogue.Entry
	byID    map[string]*catalogue.Entry
	exclude map[string]bool
	dead    map[string]bool // hosts vendor-status-watch's probe could not reach
	dropped map[string]int
}

// Build merges the inputs into the catalogue. Rules: dead pages and pages
// no adapter reads are dropped; excluded hosts (aggregators, home pages)
// never enter; one vendor's several hosts become one entry with aliases;
// the overlay amends, adds and drops; every id of the golden list must
// still exist or be retired with a replacement that exists.
func Build(in *Inputs) (*Result, error) {
	b := &builder{byHost: map[string]*catalogue.Entry{}, byName: map[string]*catalogue.Entry{},
		byID: map[string]*catalogue.Entry{}, exclude: map[string]bool{}, dead: map[string]bool{}, dropped: map[string]int{}}
	for _, x := range in.Overlay.ExcludeHosts {
		b.exclude[strings.ToLower(x.Host)] = true
	}
	b.addWatch(in.Watch)
	for _, p := range in.Statuspile {
		kind := map[string]string{"statuspage": "statuspage", "cachet": "cachet"}[p.Type]
		b.addListed(p.Name, kind, p.URL, "", "statuspile")
	}
	for _, s := range in.Statuscheck {
		kind := map[string]string{"statuspage.io": "statuspage"}[s.Platform]
		b.addListed(s.Name, kind, s.URL, "", "statuscheck")
	}
	for _, f := range in.Feeds {
		b.addListed(f.Name, "feed", f.URL, strings.ToLower(f.Category), "multi-status")
	}
	for _, s := range in.Statusphere {
		b.alias(s.Name, s.URL)
	}
	for _, s := range in.Sentry {
		b.addDomains(s)
	}
	if err := b.applyOverlay(in.Overlay); err != nil {
		return nil, err
	}
	if err := b.checkIDs(in.IDs, in.Retired); err != nil {
		return nil, err
	}
	res := &Result{Dropped: b.dropped}
	for _, e := range b.entries {
		e.Aliases = cleanAliases(e)
		res.Entries = append(res.Entries, *e)
	}
	sort.Slice(res.Entries, func(i, j int) bool { return res.Entries[i].ID < res.Entries[j].ID })
	return res, nil
}

func (b *builder) addWatch(vs []WatchVendor) {
	pageIDs := map[string]int{}
	for _, v := range vs {
		if v.PageID != "" {
			pageIDs[v.PageID]++
		}
	}
	for _, v := range vs {
		if v.Platform == "dead" {
			b.dead[catalogue.Host(v.Base)] = true
		}
	}
	for _, v := range vs {
		kind, ok := watchKinds[v.Platform]
		switch {
		case !ok:
			b.dropped["vendor-status-watch: "+v.Platform]++
			continue
		case kind == "statusio" && (v.PageID == "" || pageIDs[v.PageID] > 1):
			b.dropped["vendor-status-watch: status.io page id missing or shared"]++
			continue
		case kind == "cachet" && !v.Supported:
			b.dropped["vendor-status-watch: cachet API disabled"]++
			continue
		}
		e := b.add(v.Slug, v.Name, kind, v.Base, "", "vendor-status-watch")
		if e == nil {
			continue
		}
		if kind == "statusio" {
			e.Options = map[string]string{"page_id": v.PageID}
		}
		for _, a := range v.Aliases {
			b.claim(e, catalogue.Host(a))
		}
	}
}

// addListed adds an entry from a list without ids, or merges its host
// into the entry of the same vendor name.
func (b *builder) addListed(name, kind, url, category, source string) {
	host := catalogue.Host(url)
	if e := b.byHost[host]; e != nil {
		addSource(e, source, category)
		return
	}
	if e := b.byName[normName(name)]; e != nil {
		b.claim(e, host)
		addSource(e, source, category)
		return
	}
	if kind == "" {
		b.dropped[source+": no machine-readable kind"]++
		return
	}
	b.add(slug(name), name, kind, url, category, source)
}

func addSource(e *catalogue.Entry, source, category string) {
	if !strings.Contains(e.Source, source) {
		e.Source += ", " + source
	}
	if e.Category == "" {
		e.Category = category
	}
}

// add creates an entry unless its host is taken or excluded.
func (b *builder) add(id, name, kind, url, category, source string) *catalogue.Entry {
	host := catalogue.Host(url)
	if b.exclude[host] {
		b.dropped["excluded host (aggregator or home page)"]++
		return nil
	}
	if b.dead[host] {
		b.dropped[source+": host dead at vendor-status-watch's probe"]++
		return nil
	}
	if e := b.byHost[host]; e != nil {
		b.dropped[source+": host already catalogued"]++
		e.Aliases = append(e.Aliases, id)
		return nil
	}
	if b.byID[id] != nil || !validID.MatchString(id) {
		id = slug(strings.ReplaceAll(host, ".", "-"))
	}
	e := &catalogue.Entry{ID: id, Name: strings.TrimSpace(name), Kind: kind, URL: strings.TrimRight(url, "/"), Category: category, Source: source}
	if kind == "feed" {
		e.URL = url
	}
	b.entries = append(b.entries, e)
	b.byHost[host] = e
	b.byID[id] = e
	if n := normName(name); b.byName[n] == nil {
		b.byName[n] = e
	}
	return e
}

// claim records host as another host of e, unless another entry has it.
func (b *builder) claim(e *catalogue.Entry, host string) {
	if host == "" || b.exclude[host] || b.byHost[host] != nil {
		return
	}
	b.byHost[host] = e
	e.Aliases = append(e.Aliases, host)
}

// alias merges a statusphere host into the entry of the same name.
func (b *builder) alias(name, url string) {
	if e := b.byName[normName(name)]; e != nil {
		b.claim(e, catalogue.Host(url))
	}
}

func (b *builder) addDomains(s SentryEntry) {
	e := b.byHost[catalogue.Host(s.URL)]
	if e == nil {
		e = b.byName[normName(s.Name)]
	}
	if e == nil || s.Defunct {
		return
	}
	b.claim(e, catalogue.Host(s.URL))
	for _, d := range s.Domains {
		d = strings.TrimPrefix(strings.ToLower(d), "*.")
		if !contains(e.Domains, d) {
			e.Domains = append(e.Domains, d)
		}
	}
	addSource(e, "sentry", "")
}

func (b *builder) applyOverlay(o Overlay) error {
	for _, d := range o.Drop {
		e := b.byID[d.ID]
		if e == nil {
			return fmt.Errorf("overlay: drop %q: no such entry", d.ID)
		}
		if d.Why == "" {
			return fmt.Errorf("overlay: drop %q: say why", d.ID)
		}
		b.remove(e)
		b.dropped["overlay: dropped"]++
	}
	for _, v := range o.Vendors {
		if v.Why == "" {
			return fmt.Errorf("overlay: %q: say where it was checked (why)", v.ID)
		}
		if v.Source != "" {
			return fmt.Errorf("overlay: %q: source is set by the build", v.ID)
		}
		e := b.byID[v.ID]
		if e == nil && v.URL != "" {
			e = b.byHost[catalogue.Host(v.URL)]
		}
		if e == nil {
			if v.Name == "" || v.Kind == "" || v.URL == "" {
				return fmt.Errorf("overlay: %q is new and needs name, kind and url", v.ID)
			}
			e = b.add(v.ID, v.Name, v.Kind, v.URL, v.Category, "overlay")
			if e == nil {
				return fmt.Errorf("overlay: %q: host excluded", v.ID)
			}
		} else {
			if e.ID != v.ID && v.ID != "" {
				e.Aliases = append(e.Aliases, v.ID)
			}
			b.amend(e, v)
		}
		e.Options = mergeOptions(e.Options, v.Options)
		for _, a := range v.Aliases {
			if strings.Contains(a, ".") {
				b.claim(e, strings.ToLower(a))
			} else if !contains(e.Aliases, a) {
				e.Aliases = append(e.Aliases, a)
			}
		}
		for _, d := range v.Domains {
			if !contains(e.Domains, d) {
				e.Domains = append(e.Domains, d)
			}
		}
	}
	return nil
}

// amend overwrites e's fields with the overlay's non-empty ones.
func (b *builder) amend(e *catalogue.Entry, v OverlayVendor) {
	if v.Name != "" {
		e.Name = v.Name
	}
	if v.Category != "" {
		e.Category = v.Category
	}
	if v.Kind != "" && v.Kind != e.Kind {
		e.Kind, e.Options = v.Kind, nil
	}
	if v.URL != "" && v.URL != e.URL {
		if old := catalogue.Host(e.URL); old != catalogue.Host(v.URL) {
			delete(b.byHost, old)
			b.claim(e, old)
			delete(b.byHost, catalogue.Host(v.URL))
			b.byHost[catalogue.Host(v.URL)] = e
		}
		e.URL = v.URL
	}
	addSource(e, "overlay", "")
}

func (b *builder) remove(e *catalogue.Entry) {
	for i, x := range b.entries {
		if x == e {
			b.entries = append(b.entries[:i], b.entries[i+1:]...)
			break
		}
	}
	delete(b.byID, e.ID)
	for h, x := range b.byHost {
		if x == e {
			delete(b.byHost, h)
		}
	}
}

// checkIDs enforces the golden id list: an id once published stays, or is
// retired with the reason, and with its replacement when there is one
// (the retired id becomes an alias of it). A retired id is never an id
// again.
func (b *builder) checkIDs(golden []string, retired []Retired) error {
	ret := map[string]Retired{}
	for _, r := range retired {
		if r.Why == "" {
			return fmt.Errorf("retired.yaml: %q: say why", r.ID)
		}
		if b.byID[r.ID] != nil {
			return fmt.Errorf("retired.yaml: %q is retired but still an id", r.ID)
		}
		ret[r.ID] = r
		if r.ReplacedBy == "" {
			continue // gone for good: the id is never given again
		}
		to := b.byID[r.ReplacedBy]
		if to == nil {
			return fmt.Errorf("retired.yaml: %q is replaced by %q, which is not in the catalogue", r.ID, r.ReplacedBy)
		}
		if !contains(to.Aliases, r.ID) {
			to.Aliases = append(to.Aliases, r.ID)
		}
	}
	var missing []string
	for _, id := range golden {
		if b.byID[id] == nil {
			if _, ok := ret[id]; !ok {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("ids.txt: %d published id(s) vanished (list them in catalogue/retired.yaml with why, and replaced_by if a vendor replaces them): %s", len(missing), strings.Join(missing, ", "))
	}
	return nil
}

// cleanAliases drops aliases equal to the id or the URL's host, and
// duplicates, and sorts them.
func cleanAliases(e *catalogue.Entry) []string {
	seen := map[string]bool{e.ID: true, catalogue.Host(e.URL): true}
	var out []string
	for _, a := range e.Aliases {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

func mergeOptions(a, b map[string]string) map[string]string {
	if len(b) == 0 {
		return a
	}
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// normName is a vendor name reduced for matching across lists.
func normName(s string) string { return nonAlnum.ReplaceAllString(strings.ToLower(s), "") }

// slug makes an id from a name: lower case, runs of other characters
// become one "-".
func slug(s string) string {
	return strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// Tally counts entries per kind.
func Tally(entries []catalogue.Entry) map[string]int {
	t := map[string]int{}
	for _, e := range entries {
		t[e.Kind]++
	}
	return t
}

// IDsHeader opens ids.txt.
const IDsHeader = "# Every published catalogue id, one a line. Written by `make catalogue`;\n# an id may leave only through catalogue/retired.yaml.\n"
