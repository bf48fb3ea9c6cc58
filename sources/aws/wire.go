package aws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat/sources"
)

// wireEvent is one element of public/currentevents: an open event of the
// AWS Health Dashboard. Only the fields upstat reads.
type wireEvent struct {
	Date        epoch                   `json:"date"` // epoch seconds, as a string
	ARN         string                  `json:"arn"`
	RegionName  string                  `json:"region_name"`
	Status      code                    `json:"status"` // "0".."3"
	Service     string                  `json:"service"`
	ServiceName string                  `json:"service_name"`
	Summary     string                  `json:"summary"`
	Log         []wireLog               `json:"event_log"`
	Impacted    map[string]wireImpacted `json:"impacted_services"`
	Changes     []wireChange            `json:"impacted_service_status_changes"`
}

type wireLog struct {
	Summary   string `json:"summary"`
	Message   string `json:"message"`
	Status    code   `json:"status"`
	Timestamp epoch  `json:"timestamp"`
}

type wireImpacted struct {
	ServiceName string `json:"service_name"`
	Current     code   `json:"current"`
	Max         code   `json:"max"`
}

type wireChange struct {
	Service   string `json:"service"`
	Timestamp epoch  `json:"timestamp"`
}

// code is an AWS status code, written as a string ("3") or a number (3).
type code string

// UnmarshalJSON accepts a string or a number.
func (c *code) UnmarshalJSON(b []byte) error {
	s, err := stringOrNumber(b)
	*c = code(s)
	return err
}

// epoch is a time written as epoch seconds, as a string or a number.
type epoch struct{ time.Time }

// UnmarshalJSON reads epoch seconds from a string or a number.
func (e *epoch) UnmarshalJSON(b []byte) error {
	s, err := stringOrNumber(b)
	if err != nil || s == "" {
		return err
	}
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil || secs < 0 || secs > 253402300799 {
		return fmt.Errorf("epoch %q: not seconds since 1970", s)
	}
	e.Time = time.Unix(secs, 0).UTC()
	return nil
}

func stringOrNumber(b []byte) (string, error) {
	if string(b) == "null" {
		return "", nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		return strings.TrimSpace(s), err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", fmt.Errorf("want a string or a number, got %s", snippet(b))
	}
	return n.String(), nil
}

// decode reads a currentevents body: UTF-16 with a byte-order mark in
// either order, or UTF-8. Anything but a JSON array of events with an
// ARN and a date is an error naming what it got.
func decode(body []byte) ([]wireEvent, error) {
	r := sources.Response{Body: body}
	if err := r.LooksLikeJSON(); err != nil {
		return nil, err
	}
	b := bytes.TrimLeft(r.Body, " \t\r\n")
	if b[0] != '[' {
		return nil, fmt.Errorf("not AWS currentevents: expected a JSON array, body starts with %q", snippet(b))
	}
	var evs []wireEvent
	if err := json.Unmarshal(b, &evs); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	for i := range evs {
		if evs[i].ARN == "" || evs[i].Date.IsZero() {
			return nil, fmt.Errorf("not AWS currentevents: event %d has no arn or date", i)
		}
	}
	return evs, nil
}

func snippet(b []byte) string {
	if len(b) > 24 {
		b = b[:24]
	}
	return string(b)
}

// regionSuffix matches the region at the end of a service key
// ("ec2-us-east-1", "s3-us-gov-west-1", "iam-cn-north-1").
var regionSuffix = regexp.MustCompile(`-([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)$`)

// splitService splits "ec2-us-east-1" into ("ec2", "us-east-1"); a key
// without a region ("route53") is global.
func splitService(key string) (service, region string) {
	if m := regionSuffix.FindStringSubmatchIndex(key); m != nil {
		return key[:m[0]], key[m[2]:m[3]]
	}
	return key, "global"
}

// regionOf returns the event's region: from its ARN
// (arn:aws:health:<region>::event/…), else from its service key.
func regionOf(ev *wireEvent) string {
	if parts := strings.SplitN(ev.ARN, ":", 5); len(parts) == 5 && parts[3] != "" {
		return parts[3]
	}
	_, r := splitService(ev.Service)
	return r
}
