package normalize

import "github.com/upstat/upstat"

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
