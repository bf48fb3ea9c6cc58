package upstat

import (
	"crypto/sha256"
	"encoding/hex"
)

// maxPathSafeID bounds a source's incident id kept as it is.
const maxPathSafeID = 100

// IncidentID returns the id upstat gives an incident a source of vendor
// calls sourceID: "<vendor>:<sourceID>" when sourceID is usable in a URL
// path as it is (letters, digits, '.', '_', '~', '-', ':', at most 100
// bytes: a Statuspage or HTML id), else "<vendor>:f-<hash>" with a stable
// hash of sourceID (a feed's link or guid: "http://…/incidents/42",
// "tag:…,2008:Incident/42"); sourceRef is then sourceID, kept on the
// Incident, else "". The same sourceID always gives the same id.
func IncidentID(vendor, sourceID string) (id, sourceRef string) {
	if pathSafe(sourceID) {
		return vendor + ":" + sourceID, ""
	}
	sum := sha256.Sum256([]byte(sourceID))
	return vendor + ":f-" + hex.EncodeToString(sum[:8]), sourceID
}

func pathSafe(s string) bool {
	if s == "" || len(s) > maxPathSafeID || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == '~', c == '-', c == ':':
		default:
			return false
		}
	}
	return true
}
