package normalize

import (
	"fmt"
	"slices"
	"strings"

	"github.com/upstat/upstat"
)

// ComponentRules are one vendor's component rules from the config
// (`components: {ignore: [...], rename: {...}}`). A name in either refers
// to a component by its name ("Actions") or by its key ("Group/Name"),
// compared case-insensitively after trimming spaces.
type ComponentRules struct {
	// Ignore lists components to drop: they vanish from the components and
	// from every incident's component list.
	Ignore []string
	// Rename maps a component's name or key to the name to show. The
	// component keeps its group.
	Rename map[string]string
}

// Validate reports rules that cannot do what they say: an empty name, a
// rename to an empty name, a name renamed twice (ignoring case), or a
// rename of an ignored component. Errors
// wrap upstat.ErrInvalid.
func (r ComponentRules) Validate() error {
	for _, n := range r.Ignore {
		if strings.TrimSpace(n) == "" {
			return fmt.Errorf("%w: components.ignore: empty name", upstat.ErrInvalid)
		}
	}
	seen := map[string]bool{}
	for from, to := range r.Rename {
		if seen[fold(from)] {
			return fmt.Errorf("%w: components.rename: %q listed twice", upstat.ErrInvalid, from)
		}
		seen[fold(from)] = true
		switch {
		case strings.TrimSpace(from) == "":
			return fmt.Errorf("%w: components.rename: empty name", upstat.ErrInvalid)
		case strings.TrimSpace(to) == "":
			return fmt.Errorf("%w: components.rename: %q renamed to an empty name", upstat.ErrInvalid, from)
		case containsName(r.Ignore, from):
			return fmt.Errorf("%w: components.rename: %q is also ignored", upstat.ErrInvalid, from)
		}
	}
	return nil
}

// Apply changes s in place: it first drops ignored components (and their
// names in incident component lists), then renames components and the
// matching names in incident component lists, removing duplicates a rename
// creates. An incident lists leaf names, so an ignore or rename given as
// "Group/Name" also applies to a listed "Name" when no other component of
// the snapshot has that name. Warnings about an ignored component
// (ComponentWarning) are dropped with it. A NotModified snapshot is left
// alone.
func (r ComponentRules) Apply(s *upstat.Snapshot) {
	if s == nil || s.NotModified || (len(r.Ignore) == 0 && len(r.Rename) == 0) {
		return
	}
	// An incident lists leaf names: resolve one to its component's key
	// when exactly one component has that name.
	keysByName := map[string][]string{}
	for _, c := range s.Components {
		n := fold(c.Name)
		keysByName[n] = append(keysByName[n], c.Key())
	}
	keyOf := func(listed string) string {
		if keys := keysByName[fold(listed)]; len(keys) == 1 {
			return keys[0]
		}
		return listed
	}

	s.Components = slices.DeleteFunc(s.Components, func(c upstat.Component) bool {
		ignored := containsName(r.Ignore, c.Name) || containsName(r.Ignore, c.Key())
		if ignored { // what it said is of no interest either
			s.Warnings = slices.DeleteFunc(s.Warnings, func(w string) bool {
				return strings.HasPrefix(w, componentWarningPrefix(c))
			})
		}
		return ignored
	})
	for i := range s.Components {
		c := &s.Components[i]
		if to, ok := lookupRename(r.Rename, c.Key(), c.Name); ok {
			c.Name = to
		}
	}
	for i := range s.Incidents {
		inc := &s.Incidents[i]
		out := inc.Components[:0]
		for _, name := range inc.Components {
			key := keyOf(name)
			if containsName(r.Ignore, name) || containsName(r.Ignore, key) {
				continue
			}
			if to, ok := lookupRename(r.Rename, key, name); ok {
				name = to
			}
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
		inc.Components = out
	}
}

// lookupRename finds the rename for a component, by key before name.
func lookupRename(rename map[string]string, key, name string) (string, bool) {
	for _, want := range []string{key, name} {
		for from, to := range rename {
			if fold(from) == fold(want) {
				return strings.TrimSpace(to), true
			}
		}
	}
	return "", false
}

func containsName(list []string, name string) bool {
	return slices.ContainsFunc(list, func(n string) bool { return fold(n) == fold(name) })
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// DistinctComponents keeps apart components of one source that share a
// name and group (a page listing "API" twice): each of them is renamed
// "Name (id)" with the source's own id for it, ids[i] for comps[i], or its
// position among the duplicates ("#2") when the source gives none.
// Otherwise the second would be dropped as the same component and its
// outage never seen. Components whose name is unique are unchanged, so
// their stored state and the rules naming them stay as they were; the
// suffixed names can be renamed with components.rename.
func DistinctComponents(comps []upstat.Component, ids []string) {
	count := make(map[string]int, len(comps))
	for _, c := range comps {
		count[c.Key()]++
	}
	nth := map[string]int{}
	for i := range comps {
		k := comps[i].Key()
		if count[k] < 2 {
			continue
		}
		nth[k]++
		id := ""
		if i < len(ids) {
			id = strings.TrimSpace(ids[i])
		}
		if id == "" {
			id = fmt.Sprintf("#%d", nth[k])
		}
		comps[i].Name = fmt.Sprintf("%s (%s)", comps[i].Name, id)
	}
}
