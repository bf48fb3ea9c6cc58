package normalize

import (
	"fmt"
	"time"

	"github.com/upstat/upstat"
)

// TimeContext tells ParseTime how to read incomplete stamps.
type TimeContext struct {
	// Zone is used for times written without any zone. Nil means UTC.
	Zone *time.Location
	// Anchor resolves year-less stamps ("May 1, 20:40 EDT"): the year is
	// taken from Anchor and rolled back one year when the result would lie
	// more than a day after Anchor. Zero means "now" is not assumed: a
	// year-less stamp is then an error.
	Anchor time.Time
}

// ParseTime parses a timestamp in any format vendors use and returns it in
// UTC. Errors wrap upstat.ErrInvalid.
//
// STUB: only RFC 3339 for now; the full parser (zone abbreviations, RFC 822
// variants, Statuspage and timeline formats, year-less stamps, epochs)
// replaces this.
func ParseTime(s string, tc TimeContext) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: time %q: %v", upstat.ErrInvalid, s, err)
	}
	return t.UTC(), nil
}
