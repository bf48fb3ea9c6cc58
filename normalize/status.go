package normalize

import (
	"fmt"
	"strings"

	"github.com/upstat/upstat"
)

// VendorStatus is the one rule for a vendor's status from what its
// sources say: the worst of its components, its active incidents (an
// active maintenance counts at least as maintenance, whatever severity
// the vendor gave it) and its sources' page indicators; operational when
// there is nothing. Incidents that are not active are ignored. Whether
// the vendor has been seen at all (unknown before its first successful
// poll) is the caller's to decide.
func VendorStatus(components []upstat.Component, incidents []upstat.Incident, indicators ...upstat.Severity) upstat.Severity {
	st := upstat.Operational
	for _, c := range components {
		st = upstat.Worse(st, c.Status)
	}
	for i := range incidents {
		inc := &incidents[i]
		if !inc.Active() {
			continue
		}
		sev := inc.Severity
		if inc.Kind == upstat.KindMaintenance {
			sev = upstat.Worse(sev, upstat.Maintenance)
		}
		st = upstat.Worse(st, sev)
	}
	for _, ind := range indicators {
		st = upstat.Worse(st, ind)
	}
	return st
}

// StatusWord maps a vendor's status word of a domain: through the
// domain's table (with the vendor's overrides), else through the keyword
// table, reading the word as a phrase with underscores as spaces ("down",
// "critical_outage" are known words). ok is false when neither knows it
// ("MAJOROUTAGE", ""): the caller then reports the thing as Unknown and
// says so with a warning (Unrecognised), never as operational.
func (m *Mapper) StatusWord(domain, word string) (upstat.Severity, bool) {
	if sev, ok := m.Map(domain, word); ok {
		return sev, true
	}
	v := Classify(strings.ReplaceAll(word, "_", " "))
	if !v.Matched || v.Resolves {
		return upstat.Unknown, false
	}
	return v.Severity, true
}

// Unrecognised is the warning for a status word no table knows, naming
// what carried it: Unrecognised(`component "API"`, "MAJOROUTAGE") is
// `component "API": unrecognised status "MAJOROUTAGE"`.
func Unrecognised(what, word string) string {
	return fmt.Sprintf("%s: unrecognised status %q", what, word)
}

// ComponentWarning is Unrecognised for a component's status word; a
// grouped component is named "Group/Name".
func ComponentWarning(c upstat.Component, word string) string {
	return Unrecognised(fmt.Sprintf("component %q", c.Key()), word)
}

// componentWarningPrefix is how every ComponentWarning about c starts.
func componentWarningPrefix(c upstat.Component) string {
	return fmt.Sprintf("component %q: ", c.Key())
}
