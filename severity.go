package upstat

import (
	"encoding/json"
	"fmt"
)

// Severity is a point on upstat's ordered severity scale, or Unknown (no
// trustworthy data). Its integer values are the ones /metrics exports:
// -1 unknown, 0 operational … 4 major_outage; the zero value is Operational.
type Severity int8

// The severity scale, lowest first. Unknown is not on the scale.
const (
	Unknown       Severity = -1
	Operational   Severity = 0
	Maintenance   Severity = 1
	Degraded      Severity = 2
	PartialOutage Severity = 3
	MajorOutage   Severity = 4
)

var severityNames = map[Severity]string{
	Unknown:       "unknown",
	Operational:   "operational",
	Maintenance:   "maintenance",
	Degraded:      "degraded",
	PartialOutage: "partial_outage",
	MajorOutage:   "major_outage",
}

// Severities lists the scale in order, lowest first (Unknown excluded).
var Severities = []Severity{Operational, Maintenance, Degraded, PartialOutage, MajorOutage}

// String returns the API name of s ("partial_outage").
func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int8(s))
}

// ParseSeverity reads an API severity name. It returns an error wrapping
// ErrInvalid for anything else.
func ParseSeverity(name string) (Severity, error) {
	for s, n := range severityNames {
		if n == name {
			return s, nil
		}
	}
	return Unknown, fmt.Errorf("%w: unknown severity %q", ErrInvalid, name)
}

// Worse returns the worse of a and b. Unknown loses to any known severity.
func Worse(a, b Severity) Severity {
	if a > b {
		return a
	}
	return b
}

// severityJSON holds each name already quoted: a vendor answer carries a
// severity per component, so encoding them must not allocate.
var severityJSON = func() map[Severity][]byte {
	m := make(map[Severity][]byte, len(severityNames))
	for s, n := range severityNames {
		m[s] = []byte(`"` + n + `"`)
	}
	return m
}()

// MarshalJSON writes the severity's name. The returned slice is shared and
// must not be modified (encoding/json copies it).
func (s Severity) MarshalJSON() ([]byte, error) {
	if b, ok := severityJSON[s]; ok {
		return b, nil
	}
	return json.Marshal(s.String())
}

// UnmarshalJSON reads a severity name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	v, err := ParseSeverity(name)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText writes the severity's name (used by YAML and map keys).
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// IncidentState is a step of the incident or maintenance lifecycle.
type IncidentState string

// Incident lifecycle: investigating → identified → monitoring → resolved.
// Maintenance: scheduled → in_progress → verifying → completed.
const (
	StateInvestigating IncidentState = "investigating"
	StateIdentified    IncidentState = "identified"
	StateMonitoring    IncidentState = "monitoring"
	StateResolved      IncidentState = "resolved"
	StateScheduled     IncidentState = "scheduled"
	StateInProgress    IncidentState = "in_progress"
	StateVerifying     IncidentState = "verifying"
	StateCompleted     IncidentState = "completed"
)

// IncidentStates returns every lifecycle state: the incident states, then
// the maintenance states, each in lifecycle order.
func IncidentStates() []IncidentState {
	return []IncidentState{StateInvestigating, StateIdentified, StateMonitoring, StateResolved,
		StateScheduled, StateInProgress, StateVerifying, StateCompleted}
}

// Active reports whether an incident in this state counts towards its
// vendor's status: unresolved incidents and maintenance in progress or
// being verified. A scheduled (future) maintenance is not active.
func (s IncidentState) Active() bool {
	switch s {
	case StateInvestigating, StateIdentified, StateMonitoring, StateInProgress, StateVerifying:
		return true
	}
	return false
}

// Closed reports whether the state ends the lifecycle.
func (s IncidentState) Closed() bool { return s == StateResolved || s == StateCompleted }
