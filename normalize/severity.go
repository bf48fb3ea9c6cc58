// Package normalize turns what vendors say into upstat's schema: the
// severity mapping tables (overridable per vendor), the incident lifecycle,
// words that carry a severity, per-vendor component rules (ignore,
// rename), and a time parser that gets zone abbreviations right.
package normalize

import (
	"fmt"
	"sort"
	"strings"

	"github.com/upstat/upstat"
)

// Mapping domains: each is one vendor-native vocabulary with a table.
const (
	DomainComponent = "component" // Statuspage component status
	DomainImpact    = "impact"    // Statuspage incident impact
	DomainIndicator = "indicator" // Statuspage page status indicator
	DomainEmoji     = "emoji"     // status emoji on hand-made pages
)

// DefaultTables are SPEC.md's default mappings, as data.
var DefaultTables = map[string]map[string]upstat.Severity{
	DomainComponent: {
		"operational":          upstat.Operational,
		"under_maintenance":    upstat.Maintenance,
		"degraded_performance": upstat.Degraded,
		"partial_outage":       upstat.PartialOutage,
		"major_outage":         upstat.MajorOutage,
	},
	DomainImpact: {
		"none":        upstat.Operational,
		"minor":       upstat.Degraded,
		"major":       upstat.PartialOutage,
		"critical":    upstat.MajorOutage,
		"maintenance": upstat.Maintenance,
	},
	DomainIndicator: {
		"none":        upstat.Operational,
		"minor":       upstat.Degraded,
		"major":       upstat.PartialOutage,
		"critical":    upstat.MajorOutage,
		"maintenance": upstat.Maintenance,
	},
	DomainEmoji: {
		"🔴": upstat.MajorOutage,
		"🟠": upstat.PartialOutage,
		"🟡": upstat.Degraded,
		"🔵": upstat.Operational,
		"🟢": upstat.Operational,
	},
}

// RegisterDomain adds an adapter's own vocabulary (its words for a status
// or an impact → our severity) as a mapping domain, so the adapter keeps
// its table beside its code and users can still override it per vendor
// with severity_map. Call it from an init function only; it panics if the
// domain is already registered (two adapters claiming one vocabulary is a
// programming error). Keys are matched case-insensitively.
func RegisterDomain(domain string, table map[string]upstat.Severity) {
	if _, dup := DefaultTables[domain]; dup {
		panic(fmt.Sprintf("normalize: severity domain %q registered twice", domain))
	}
	t := make(map[string]upstat.Severity, len(table))
	for k, v := range table {
		t[strings.ToLower(strings.TrimSpace(k))] = v
	}
	DefaultTables[domain] = t
}

// Domains lists the mapping domains (built-in and registered), sorted.
func Domains() []string {
	names := make([]string, 0, len(DefaultTables))
	for d := range DefaultTables {
		names = append(names, d)
	}
	sort.Strings(names)
	return names
}

// Mapper maps vendor-native values to severities: the default tables with
// one vendor's overrides on top. A nil or zero *Mapper maps with the
// defaults.
type Mapper struct {
	// overridden holds only the domains a vendor overrides (each the
	// default table with the overrides applied); every other domain is
	// read from DefaultTables. A vendor without severity_map costs nothing:
	// at 10,000 sources a full copy of the tables per source held ~1 KB
	// each.
	overridden map[string]map[string]upstat.Severity
}

// NewMapper returns a Mapper with overrides (domain → native value →
// severity) applied over DefaultTables. An unknown domain is an error
// wrapping upstat.ErrInvalid.
func NewMapper(overrides map[string]map[string]upstat.Severity) (*Mapper, error) {
	if len(overrides) == 0 {
		return &Mapper{}, nil
	}
	m := &Mapper{overridden: make(map[string]map[string]upstat.Severity, len(overrides))}
	domains := make([]string, 0, len(overrides))
	for d := range overrides {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	for _, d := range domains {
		base, ok := DefaultTables[d]
		if !ok {
			return nil, fmt.Errorf("%w: unknown severity_map domain %q (known: %s)", upstat.ErrInvalid, d, strings.Join(Domains(), ", "))
		}
		t := make(map[string]upstat.Severity, len(base)+len(overrides[d]))
		for k, v := range base {
			t[k] = v
		}
		for k, v := range overrides[d] {
			t[k] = v
		}
		m.overridden[d] = t
	}
	return m, nil
}

// table returns the table of domain: the vendor's overridden one, else
// the default.
func (m *Mapper) table(domain string) (map[string]upstat.Severity, bool) {
	if m != nil {
		if t, ok := m.overridden[domain]; ok {
			return t, true
		}
	}
	t, ok := DefaultTables[domain]
	return t, ok
}

// Map returns the severity of a native value in a domain. Values are
// matched case-insensitively after trimming; ok is false when the table
// has no entry (the caller decides; usually the value is ignored).
func (m *Mapper) Map(domain, native string) (sev upstat.Severity, ok bool) {
	t, ok := m.table(domain)
	if !ok {
		return 0, false
	}
	if s, ok := t[native]; ok {
		return s, true
	}
	s, ok := t[strings.ToLower(strings.TrimSpace(native))]
	return s, ok
}
