package normalize

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// TimeContext tells ParseTime how to read incomplete stamps.
type TimeContext struct {
	// Zone is used for times written without any zone. Nil means UTC.
	// It also settles zone abbreviations: an abbreviation that Zone itself
	// uses at that date (IST for Asia/Kolkata or Europe/Dublin) takes
	// Zone's offset before ZoneAbbreviations is consulted.
	Zone *time.Location
	// Anchor resolves year-less stamps ("May 1, 20:40 EDT"): the year is
	// taken from Anchor and rolled back one year when the result would lie
	// more than a day after Anchor. Zero means "now" is not assumed: a
	// year-less stamp is then an error.
	Anchor time.Time
}

// ZoneAbbreviations is the explicit table of zone abbreviations ParseTime
// accepts, in seconds east of UTC. Go's time.Parse reads an abbreviation
// it does not know as UTC+0; ParseTime never does: an abbreviation that is
// neither here nor used by TimeContext.Zone is an error.
var ZoneAbbreviations = map[string]int{
	"UTC": 0, "GMT": 0, "Z": 0, "UT": 0,
	// North America.
	"EST": -5 * 3600, "EDT": -4 * 3600,
	"CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600,
	"PST": -8 * 3600, "PDT": -7 * 3600,
	"AKST": -9 * 3600, "AKDT": -8 * 3600,
	"HST": -10 * 3600,
	// Europe.
	"WET": 0, "WEST": 1 * 3600, "BST": 1 * 3600,
	"CET": 1 * 3600, "CEST": 2 * 3600,
	"EET": 2 * 3600, "EEST": 3 * 3600,
	"MSK": 3 * 3600,
	// Asia and Oceania.
	"SGT": 8 * 3600, "HKT": 8 * 3600,
	"JST": 9 * 3600, "KST": 9 * 3600,
	"AEST": 10 * 3600, "AEDT": 11 * 3600,
	"NZST": 12 * 3600, "NZDT": 13 * 3600,
}

// ambiguousZones are abbreviations used for several offsets; they parse
// only when TimeContext.Zone uses them.
var ambiguousZones = map[string]string{
	"IST": "India, Ireland or Israel",
}

// Layouts without a zone, tried in order on the normalised text (upper
// case, commas and " - " / " AT " separators removed, weekday dropped).
var (
	isoZoned = []string{
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05Z07",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04Z0700",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05Z0700",
		"2006-01-02 15:04Z07:00",
	}
	datedLayouts = []string{
		"2006-01-02T15:04:05",
		"2006-01-02T15:04",
		"2006-01-02 15:04:05",
		"2006-01-02 15:04",
		"2006-01-02",
		"2006/01/02 15:04:05",
		"2006/01/02 15:04",
		"2 Jan 2006 15:04:05",
		"2 Jan 2006 15:04",
		"2 Jan 2006 3:04 PM",
		"2 Jan 06 15:04:05",
		"2 Jan 06 15:04",
		"2-Jan-2006 15:04:05",
		"2-Jan-06 15:04:05",
		"2 Jan 2006",
		"Jan 2 2006 15:04:05",
		"Jan 2 2006 15:04",
		"Jan 2 2006 3:04:05 PM",
		"Jan 2 2006 3:04 PM",
		"Jan 2 15:04:05 2006", // ANSI C asctime
		"Jan 2 2006",
	}
	yearlessLayouts = []string{
		"Jan 2 15:04:05",
		"Jan 2 15:04",
		"Jan 2 3:04:05 PM",
		"Jan 2 3:04 PM",
	}
)

// Long month and weekday names and variants, rewritten to the three
// letters the layouts use.
var nameWords = map[string]string{
	"JANUARY": "JAN", "FEBRUARY": "FEB", "MARCH": "MAR", "APRIL": "APR",
	"JUNE": "JUN", "JULY": "JUL", "AUGUST": "AUG", "SEPTEMBER": "SEP",
	"SEPT": "SEP", "OCTOBER": "OCT", "NOVEMBER": "NOV", "DECEMBER": "DEC",
}

var weekdays = map[string]bool{
	"MON": true, "TUE": true, "WED": true, "THU": true, "FRI": true, "SAT": true, "SUN": true,
	"MONDAY": true, "TUESDAY": true, "WEDNESDAY": true, "THURSDAY": true, "FRIDAY": true,
	"SATURDAY": true, "SUNDAY": true, "TUES": true, "THUR": true, "THURS": true,
}

// Results outside this range are rejected as nonsense.
var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// ParseTime parses a timestamp in any format vendors use and returns it in
// UTC. It reads RFC 3339 / ISO 8601 (offsets, fractions, Z, zone-less),
// RFC 822/1123/5322 with or without weekday, US-style "May 01, 2018 -
// 20:40 EDT" and "Apr 01, 2022, 06:15 PM UTC", year-less "Aug 9, 00:37
// UTC" (year from tc.Anchor), zone offsets like "GMT+1" and "+0530",
// and epoch seconds (10 digits) or milliseconds (13 digits). Zone-less
// stamps are read in tc.Zone (UTC when nil); abbreviations come from
// tc.Zone or ZoneAbbreviations. Errors wrap upstat.ErrInvalid: an unknown
// or ambiguous abbreviation, a year-less stamp without an anchor, or an
// unrecognised layout.
func ParseTime(s string, tc TimeContext) (time.Time, error) {
	t, err := parseTime(s, tc)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse time %q: %w", s, err)
	}
	t = t.UTC()
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, fmt.Errorf("parse time %q: %w: out of range", s, upstat.ErrInvalid)
	}
	return t, nil
}

func parseTime(s string, tc TimeContext) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil // the common case (JSON APIs), without normalising
	}
	fields := normalizeFields(s)
	if len(fields) == 0 {
		return time.Time{}, fmt.Errorf("%w: empty", upstat.ErrInvalid)
	}
	if len(fields) == 1 {
		if t, ok, err := parseEpoch(fields[0]); ok {
			return t, err
		}
	}
	text := strings.Join(fields, " ")
	for _, layout := range isoZoned {
		if t, err := time.Parse(layout, text); err == nil {
			return t, nil
		}
	}

	var zone string
	if len(fields) > 1 {
		if z, ok := zoneToken(fields[len(fields)-1]); ok {
			zone, fields = z, fields[:len(fields)-1]
		}
	}
	wall, yearless, err := parseWall(strings.Join(fields, " "))
	if err != nil {
		return time.Time{}, err
	}
	if yearless {
		return resolveYear(wall, zone, tc)
	}
	return inZone(wall, zone, tc)
}

// normalizeFields splits s into upper-case words, treating &nbsp; and
// every Unicode space as a space, and drops the separators that only
// decorate a stamp: commas before a space, " - " and " at " between date
// and time, ordinal suffixes, a leading weekday, and an RFC 5322 comment
// zone after a numeric offset.
func normalizeFields(s string) []string {
	r := strings.NewReplacer("&nbsp;", " ", "&#160;", " ", "&#xa0;", " ", "&#xA0;", " ")
	raw := strings.Fields(strings.ToUpper(r.Replace(s)))
	out := make([]string, 0, len(raw))
	for _, f := range raw {
		if f == "," {
			continue // "Aug 17 , 2026": text-extraction spacing
		}
		f = strings.TrimSuffix(f, ",")
		if f == "" || f == "-" || f == "AT" || f == "\u2013" {
			continue
		}
		if len(out) > 0 && strings.HasPrefix(f, ",") {
			f = f[1:]
		}
		if w, ok := nameWords[strings.TrimSuffix(f, ".")]; ok {
			f = w
		}
		out = append(out, stripOrdinal(f))
	}
	if len(out) > 1 && weekdays[strings.TrimSuffix(out[0], ".")] {
		out = out[1:]
	}
	if n := len(out); n > 2 && strings.HasPrefix(out[n-1], "(") && strings.HasSuffix(out[n-1], ")") {
		if _, ok := parseOffset(out[n-2]); ok {
			out = out[:n-1]
		}
	}
	return out
}

// stripOrdinal turns "29TH" into "29".
func stripOrdinal(f string) string {
	if len(f) < 3 || len(f) > 4 {
		return f
	}
	num, suf := f[:len(f)-2], f[len(f)-2:]
	switch suf {
	case "ST", "ND", "RD", "TH":
		if _, err := strconv.Atoi(num); err == nil {
			return num
		}
	}
	return f
}

// parseEpoch reads 10 digits as Unix seconds and 13 as milliseconds. ok is
// false when f is not all digits.
func parseEpoch(f string) (time.Time, bool, error) {
	for _, c := range f {
		if c < '0' || c > '9' {
			return time.Time{}, false, nil
		}
	}
	n, err := strconv.ParseInt(f, 10, 64)
	if err != nil {
		return time.Time{}, true, fmt.Errorf("%w: epoch: %w", upstat.ErrInvalid, err)
	}
	switch len(f) {
	case 10:
		return time.Unix(n, 0), true, nil
	case 13:
		return time.UnixMilli(n), true, nil
	}
	return time.Time{}, true, fmt.Errorf("%w: %d digits is neither epoch seconds (10) nor milliseconds (13)", upstat.ErrInvalid, len(f))
}

// zoneToken reports whether f (the last word) names a zone: an
// abbreviation (letters only, not AM/PM), a numeric offset, or GMT/UTC
// with an offset. The token is returned without surrounding parentheses.
func zoneToken(f string) (string, bool) {
	f = strings.TrimSuffix(strings.TrimPrefix(f, "("), ")")
	if f == "AM" || f == "PM" || f == "" {
		return "", false
	}
	if _, ok := parseOffset(f); ok {
		return f, true
	}
	for _, c := range f {
		if c < 'A' || c > 'Z' {
			return "", false
		}
	}
	return f, len(f) <= 5
}

// parseOffset reads "+0530", "-04:00", "+02", "GMT+1", "UTC-5", "GMT+0530"
// as seconds east of UTC.
func parseOffset(f string) (int, bool) {
	f = strings.TrimPrefix(strings.TrimPrefix(f, "GMT"), "UTC")
	if len(f) < 2 || (f[0] != '+' && f[0] != '-') {
		return 0, false
	}
	sign, rest := 1, f[1:]
	if f[0] == '-' {
		sign = -1
	}
	var hh, mm string
	switch {
	case strings.Contains(rest, ":"):
		hh, mm, _ = strings.Cut(rest, ":")
	case len(rest) <= 2:
		hh, mm = rest, "00"
	case len(rest) == 4:
		hh, mm = rest[:2], rest[2:]
	default:
		return 0, false
	}
	if len(hh) == 0 || len(hh) > 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h > 14 || m > 59 || hh[0] == '+' || hh[0] == '-' || mm[0] == '+' || mm[0] == '-' {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// wallClock is a parsed date and time of day, not yet in any zone.
type wallClock struct {
	year                    int
	month                   time.Month
	day, hour, min, sec, ns int
}

func (w wallClock) in(year int, loc *time.Location) time.Time {
	return time.Date(year, w.month, w.day, w.hour, w.min, w.sec, w.ns, loc)
}

// parseWall reads the zone-less rest of a stamp. yearless is true when
// the layout has no year.
func parseWall(text string) (wallClock, bool, error) {
	for _, group := range []struct {
		layouts  []string
		yearless bool
	}{{datedLayouts, false}, {yearlessLayouts, true}} {
		for _, layout := range group.layouts {
			t, err := time.Parse(layout, text)
			if err != nil {
				continue
			}
			return wallClock{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()}, group.yearless, nil
		}
	}
	return wallClock{}, false, fmt.Errorf("%w: unrecognised time layout", upstat.ErrInvalid)
}

// inZone places w in the named zone ("" = tc.Zone or UTC).
func inZone(w wallClock, zone string, tc TimeContext) (time.Time, error) {
	loc, err := location(w, w.year, zone, tc)
	if err != nil {
		return time.Time{}, err
	}
	return w.in(w.year, loc), nil
}

// location resolves a zone token for the wall time w in year: numeric
// offsets, then tc.Zone's own abbreviations, then ZoneAbbreviations.
func location(w wallClock, year int, zone string, tc TimeContext) (*time.Location, error) {
	if zone == "" {
		if tc.Zone != nil {
			return tc.Zone, nil
		}
		return time.UTC, nil
	}
	if off, ok := parseOffset(zone); ok {
		return time.FixedZone(zone, off), nil
	}
	if tc.Zone != nil {
		if name, _ := w.in(year, tc.Zone).Zone(); name == zone {
			return tc.Zone, nil
		}
	}
	if off, ok := ZoneAbbreviations[zone]; ok {
		return time.FixedZone(zone, off), nil
	}
	if where, ok := ambiguousZones[zone]; ok {
		return nil, fmt.Errorf("%w: ambiguous zone abbreviation %q (%s): configure the source's zone", upstat.ErrInvalid, zone, where)
	}
	return nil, fmt.Errorf("%w: unknown zone abbreviation %q", upstat.ErrInvalid, zone)
}

// resolveYear gives a year-less stamp the year of tc.Anchor (in the
// stamp's zone), one year earlier when it would lie more than a day after
// the anchor, and further back for a 29 February.
func resolveYear(w wallClock, zone string, tc TimeContext) (time.Time, error) {
	if tc.Anchor.IsZero() {
		return time.Time{}, fmt.Errorf("%w: year-less time without an anchor", upstat.ErrInvalid)
	}
	loc, err := location(w, tc.Anchor.Year(), zone, tc)
	if err != nil {
		return time.Time{}, err
	}
	year := tc.Anchor.In(loc).Year()
	if w.in(year, loc).After(tc.Anchor.Add(24 * time.Hour)) {
		year--
	}
	for i := 0; i < 8 && w.in(year, loc).Day() != w.day; i++ {
		year-- // 29 February: the latest leap year not after the anchor
	}
	return w.in(year, loc), nil
}
