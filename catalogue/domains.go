package catalogue

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// How a hostname was matched to a vendor by MatchHost.
const (
	// ByDomain: the hostname is one of the vendor's own domains or under one.
	ByDomain = "domain"
	// ByStatusHost: the hostname shares its registrable domain with the
	// vendor's status page (status.example.com for api.example.com), and
	// no other vendor's page does.
	ByStatusHost = "status-host"
)

// sharedHosting are registrable domains that host many vendors' pages or
// feeds: a status page under one says nothing about whose hostname a
// team calls.
var sharedHosting = map[string]bool{
	"statuspage.io": true, "instatus.com": true, "status.io": true, "betteruptime.com": true,
	"betterstack.com": true, "incident.io": true, "freshstatus.io": true, "hund.io": true,
	"feedburner.com": true, "atlassian.com": true, "google.com": true, "azureedge.net": true,
}

// MatchHost finds the vendor a hostname belongs to (api.stripe.com →
// stripe): first through the vendors' own domains, the longest suffix on a
// label boundary winning; failing that, through the registrable domain of
// the vendor's status page when exactly one vendor has it. It returns the
// entry and how it matched.
func (c *Catalogue) MatchHost(hostname string) (Entry, string, bool) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(hostname)), ".")
	for s := h; s != ""; {
		if i, ok := c.byDom[s]; ok {
			return c.entries[i], ByDomain, true
		}
		dot := strings.IndexByte(s, '.')
		if dot < 0 {
			break
		}
		s = s[dot+1:]
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil || sharedHosting[reg] {
		return Entry{}, "", false
	}
	found := -1
	for i, e := range c.entries {
		for _, k := range e.Keys() {
			if !strings.Contains(k, ".") {
				continue
			}
			if r, err := publicsuffix.EffectiveTLDPlusOne(k); err == nil && r == reg {
				if found >= 0 && found != i {
					return Entry{}, "", false // two vendors: do not guess
				}
				found = i
			}
		}
	}
	if found < 0 {
		return Entry{}, "", false
	}
	return c.entries[found], ByStatusHost, true
}
