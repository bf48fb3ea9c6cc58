package upstat

import "time"

// ObservedStatus is what upstat's own probes of a vendor say.
type ObservedStatus string

// Observed statuses. A vendor's probes are unknown until each has passed
// its thresholds once.
const (
	ObservedUnknown ObservedStatus = "unknown"
	ObservedOK      ObservedStatus = "ok"
	ObservedFailing ObservedStatus = "failing"
)

// Observed is upstat's own view of a vendor, from its probes: failing
// when any probe is failing (Failing names them), ok when all are ok,
// else unknown. It is kept apart from the vendor-reported Status, which
// it never changes. Since is when Status last changed.
type Observed struct {
	Status  ObservedStatus `json:"status"`
	Since   time.Time      `json:"since"`
	Failing []string       `json:"failing"`
}

// Events of the observed signal: the vendor's probes turned failing, or
// ok again. They carry neither From nor To (see Event.Carries).
const (
	EventVendorObservedFailing EventType = "vendor.observed_failing"
	EventVendorObservedOK      EventType = "vendor.observed_ok"
)
