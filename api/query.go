package api

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// Limits of the listing endpoints. A limit above the maximum is refused with
// 400 rather than silently clamped, so a client never mistakes a short page
// for the end.
const (
	defaultIncidentLimit = 50
	maxIncidentLimit     = 500
	defaultEventLimit    = 100
	maxEventLimit        = 1000
)

// validVendorID reports whether s has the shape of a vendor id,
// [a-z0-9-]+ (the config enforces the same).
func validVendorID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// singleValued refuses any of names given more than once in q.
func singleValued(q url.Values, names ...string) error {
	for _, name := range names {
		if n := len(q[name]); n > 1 {
			return badParam(name, "given %d times, want at most once", n)
		}
	}
	return nil
}

// parseIncidentQuery reads the query of GET /api/v1/incidents into a filter.
// Every error wraps upstat.ErrInvalid and names the parameter. Unknown
// parameters are ignored (token is the auth fallback); empty values mean
// "not given".
func parseIncidentQuery(q url.Values) (upstat.IncidentFilter, error) {
	f := upstat.IncidentFilter{}
	err := singleValued(q, "vendor", "state", "min_severity", "since", "until", "limit", "cursor")
	if err != nil {
		return f, err
	}
	if s := q.Get("vendor"); s != "" {
		if !validVendorID(s) {
			return f, badParam("vendor", "%q is not a vendor id ([a-z0-9-]+)", s)
		}
		f.Vendor = s
	}
	switch s := q.Get("state"); s {
	case "", "all":
	case "active", "resolved":
		f.State = s
	default:
		return f, badParam("state", "%q is not one of active, resolved, all", s)
	}
	if s := q.Get("min_severity"); s != "" {
		sev, perr := upstat.ParseSeverity(s)
		if perr != nil || sev == upstat.Unknown {
			return f, badParam("min_severity", "%q is not one of %s", s, severityList())
		}
		f.MinSeverity, f.HasMinSev = sev, true
	}
	if f.Since, err = parseTimeParam("since", q.Get("since")); err != nil {
		return f, err
	}
	if f.Until, err = parseTimeParam("until", q.Get("until")); err != nil {
		return f, err
	}
	if f.Since != nil && f.Until != nil && !f.Until.After(*f.Since) {
		return f, badParam("until", "must be after since")
	}
	if f.Limit, err = parseLimit(q.Get("limit"), defaultIncidentLimit, maxIncidentLimit); err != nil {
		return f, err
	}
	if s := q.Get("cursor"); s != "" {
		if f.After, err = decodeIncidentCursor(s); err != nil {
			return f, err
		}
	}
	return f, nil
}

// parseTimeParam reads an RFC 3339 time into UTC (nil when s is empty).
func parseTimeParam(name, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, badParam(name, "%q is not an RFC 3339 time (2006-01-02T15:04:05Z)", s)
	}
	t = t.UTC()
	return &t, nil
}

// parseLimit reads the limit parameter: an integer from 1 to max, def when
// empty.
func parseLimit(s string, def, max int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, badParam("limit", "%q is not an integer from 1 to %d", s, max)
	}
	return n, nil
}

// severityList names the severity scale for error messages.
func severityList() string {
	names := make([]string, len(upstat.Severities))
	for i, s := range upstat.Severities {
		names[i] = s.String()
	}
	return strings.Join(names, ", ")
}

// Cursors are opaque to clients: base64url (unpadded) of a versioned text.
// An incident cursor is "i1|<started_at RFC 3339 nano>|<id>"; an event
// cursor is "e1|<seq>".
const (
	incidentCursorTag = "i1"
	eventCursorTag    = "e1"
)

// encodeIncidentCursor returns the opaque form of c ("" for nil).
func encodeIncidentCursor(c *upstat.IncidentCursor) string {
	if c == nil {
		return ""
	}
	raw := incidentCursorTag + "|" + c.StartedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeIncidentCursor reads an incident cursor; errors name "cursor".
func decodeIncidentCursor(s string) (*upstat.IncidentCursor, error) {
	fields, ok := decodeCursor(s, incidentCursorTag, 3)
	if !ok || fields[2] == "" {
		return nil, badParam("cursor", "not a cursor returned by this API")
	}
	t, err := time.Parse(time.RFC3339Nano, fields[1])
	if err != nil {
		return nil, badParam("cursor", "not a cursor returned by this API")
	}
	return &upstat.IncidentCursor{StartedAt: t.UTC(), ID: fields[2]}, nil
}

// encodeEventCursor returns the opaque form of an event sequence number.
func encodeEventCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(eventCursorTag + "|" + strconv.FormatInt(seq, 10)))
}

// decodeEventCursor reads an event cursor ("" is the beginning, 0); errors
// name the parameter name.
func decodeEventCursor(name, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	fields, ok := decodeCursor(s, eventCursorTag, 2)
	if ok {
		if seq, err := strconv.ParseInt(fields[1], 10, 64); err == nil && seq >= 0 {
			return seq, nil
		}
	}
	return 0, badParam(name, "not a cursor returned by this API")
}

// decodeCursor splits an opaque cursor into n fields, the first being tag.
func decodeCursor(s, tag string, n int) ([]string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	fields := strings.SplitN(string(b), "|", n)
	return fields, len(fields) == n && fields[0] == tag
}
