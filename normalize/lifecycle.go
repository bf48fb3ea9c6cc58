package normalize

import (
	"strings"

	"github.com/upstat/upstat"
)

// stateWords maps the lifecycle words vendors use (Statuspage statuses and
// the labels of its feeds and pages) to our lifecycle states.
var stateWords = map[string]upstat.IncidentState{
	"investigating": upstat.StateInvestigating,
	"identified":    upstat.StateIdentified,
	"monitoring":    upstat.StateMonitoring,
	"resolved":      upstat.StateResolved,
	"postmortem":    upstat.StateResolved,
	"post-mortem":   upstat.StateResolved,
	"scheduled":     upstat.StateScheduled,
	"in_progress":   upstat.StateInProgress,
	"in progress":   upstat.StateInProgress,
	"verifying":     upstat.StateVerifying,
	"completed":     upstat.StateCompleted,
}

// State maps a lifecycle word ("investigating", "postmortem", "In progress")
// to a state. ok is false for anything else, including "Update", which
// means "status unchanged" in Statuspage feeds.
func State(word string) (upstat.IncidentState, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	if s, ok := stateWords[w]; ok {
		return s, true
	}
	s, ok := stateWords[strings.ReplaceAll(w, "_", " ")]
	return s, ok
}
