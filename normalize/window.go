package normalize

import (
	"fmt"
	"regexp"
	"time"
)

// windowRe reads a maintenance window as Statuspage writes it in feeds
// and on pages: "Oct 5, 04:00 - 05:00 UTC", "Jan 23, 14:00-20:00 UTC" or,
// across days, "Feb 8, 22:00 - Feb 9, 13:00 UTC".
var windowRe = regexp.MustCompile(`(` + monthRe + `)\s+(\d{1,2}),?\s+(\d{1,2}:\d{2})\s*-\s*(?:(` + monthRe + `)\s+(\d{1,2}),?\s+)?(\d{1,2}:\d{2})\s+([A-Z][A-Za-z]{0,5}(?:[+-]\d{1,2}(?::?\d{2})?)?)`)

// monthRe matches an English month name or abbreviation.
const monthRe = `(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?`

// ParseWindow finds the first maintenance window in text and returns its
// start and end, read with tc (year-less: tc.Anchor gives the year). An
// end written without a date is on the start's date, or the next day
// when its time is earlier than the start's ("23:00 - 01:00 UTC").
func ParseWindow(text string, tc TimeContext) (from, until time.Time, ok bool) {
	m := windowRe.FindStringSubmatch(text)
	if m == nil {
		return time.Time{}, time.Time{}, false
	}
	from, err := ParseTime(fmt.Sprintf("%s %s, %s %s", m[1], m[2], m[3], m[7]), tc)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	endMonth, endDay := m[4], m[5]
	if endMonth == "" {
		endMonth, endDay = m[1], m[2]
	}
	until, err = ParseTime(fmt.Sprintf("%s %s, %s %s", endMonth, endDay, m[6], m[7]), TimeContext{Zone: tc.Zone, Anchor: from.Add(24 * time.Hour)})
	if err != nil {
		return from, time.Time{}, true
	}
	if m[4] == "" && until.Before(from) {
		until = until.Add(24 * time.Hour)
	}
	return from, until, true
}
