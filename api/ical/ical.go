// Package ical writes iCalendar (RFC 5545) calendars of timed events: the
// few properties upstat's maintenance calendar needs, with the format's
// escaping (TEXT values), line folding (75 octets, never inside a UTF-8
// sequence) and CRLF line ends. It only writes; nothing here parses.
package ical

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Calendar is a VCALENDAR of events, published (METHOD:PUBLISH) for
// subscription.
type Calendar struct {
	// Name is shown by calendar apps (X-WR-CALNAME); empty omits it.
	Name string
	// Stamp is when the calendar was generated (every event's DTSTAMP).
	Stamp  time.Time
	Events []Event
}

// Event is one VEVENT. Times are written in UTC.
type Event struct {
	// UID identifies the event across versions of the calendar: a calendar
	// app replaces the event with the same UID instead of adding one.
	UID         string
	Summary     string
	Description string
	URL         string
	Start       time.Time
	// End is the event's end; zero omits DTEND (the event then ends when
	// it starts, RFC 5545 §3.6.1).
	End          time.Time
	LastModified time.Time
	Categories   []string
	// Cancelled writes STATUS:CANCELLED, else STATUS:CONFIRMED.
	Cancelled bool
}

// productID names the generator (PRODID).
const productID = "-//upstat//maintenance calendar//EN"

// Encode returns the calendar as RFC 5545 text.
func (c Calendar) Encode() []byte {
	var w writer
	w.line("BEGIN", "VCALENDAR")
	w.line("VERSION", "2.0")
	w.line("PRODID", productID)
	w.line("CALSCALE", "GREGORIAN")
	w.line("METHOD", "PUBLISH")
	if c.Name != "" {
		w.line("X-WR-CALNAME", Text(c.Name))
	}
	for _, e := range c.Events {
		e.encode(&w, c.Stamp)
	}
	w.line("END", "VCALENDAR")
	return []byte(w.b.String())
}

func (e Event) encode(w *writer, stamp time.Time) {
	w.line("BEGIN", "VEVENT")
	w.line("UID", Text(e.UID))
	w.line("DTSTAMP", utc(stamp))
	w.line("DTSTART", utc(e.Start))
	if !e.End.IsZero() {
		w.line("DTEND", utc(e.End))
	}
	if !e.LastModified.IsZero() {
		w.line("LAST-MODIFIED", utc(e.LastModified))
	}
	w.line("SUMMARY", Text(e.Summary))
	if e.Description != "" {
		w.line("DESCRIPTION", Text(e.Description))
	}
	if e.URL != "" {
		w.line("URL", noControls(e.URL))
	}
	if len(e.Categories) > 0 {
		cats := make([]string, len(e.Categories))
		for i, c := range e.Categories {
			cats[i] = Text(c)
		}
		w.line("CATEGORIES", strings.Join(cats, ","))
	}
	status := "CONFIRMED"
	if e.Cancelled {
		status = "CANCELLED"
	}
	w.line("STATUS", status)
	w.line("TRANSP", "TRANSPARENT") // a vendor's maintenance does not make the reader busy
	w.line("END", "VEVENT")
}

// utc formats t as a UTC DATE-TIME (19970714T173000Z).
func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// Text escapes s as an RFC 5545 TEXT value: backslash, semicolon and comma
// are escaped, a line break becomes \n, and other control characters
// (which TEXT does not allow) are dropped.
func Text(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default: // an invalid byte comes as utf8.RuneError, written as U+FFFD
			b.WriteRune(r)
		}
	}
	return b.String()
}

// noControls drops control characters from a value that is not TEXT (a
// URI), so no value can end its line early.
func noControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// writer accumulates content lines, folded and CRLF-terminated.
type writer struct{ b strings.Builder }

// maxLine is the longest content line in octets, without the CRLF.
const maxLine = 75

// line writes "name:value", folding it after every 75 octets (a fold is
// CRLF then one space, which counts towards the next line) without
// splitting a UTF-8 sequence.
func (w *writer) line(name, value string) {
	s := name + ":" + value
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.b.WriteString(s[:cut])
		w.b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1
	}
	w.b.WriteString(s)
	w.b.WriteString("\r\n")
}
