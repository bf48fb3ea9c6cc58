package ical

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

var stamp = time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)

func TestEncode(t *testing.T) {
	cal := Calendar{Name: "upstat maintenance", Stamp: stamp, Events: []Event{{
		UID: "acme:1@upstat", Summary: "Acme: DB; upgrade, phase 1",
		Description: "Status: scheduled\r\nComponents: API",
		Start:       time.Date(2024, 5, 4, 3, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
		End:         time.Date(2024, 5, 4, 2, 0, 0, 0, time.UTC),
		URL:         "https://status.acme.example/m/1",
		Categories:  []string{"acme"},
		Cancelled:   true,
	}}}
	got := string(cal.Encode())
	want := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//upstat//maintenance calendar//EN",
		"CALSCALE:GREGORIAN",
		"METHOD:PUBLISH",
		"X-WR-CALNAME:upstat maintenance",
		"BEGIN:VEVENT",
		"UID:acme:1@upstat",
		"DTSTAMP:20240502T120000Z",
		"DTSTART:20240504T010000Z",
		"DTEND:20240504T020000Z",
		`SUMMARY:Acme: DB\; upgrade\, phase 1`,
		`DESCRIPTION:Status: scheduled\nComponents: API`,
		"URL:https://status.acme.example/m/1",
		"CATEGORIES:acme",
		"STATUS:CANCELLED",
		"TRANSP:TRANSPARENT",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")
	if got != want {
		t.Fatalf("Encode =\n%q\nwant\n%q", got, want)
	}
}

// TestFold: long lines fold at 75 octets, never inside a UTF-8 sequence,
// and unfold to the original value.
func TestFold(t *testing.T) {
	summary := strings.Repeat("é", 100) + strings.Repeat("x", 80)
	out := string(Calendar{Stamp: stamp, Events: []Event{{UID: "u", Summary: summary, Start: stamp}}}.Encode())
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Fatalf("line %q: %d octets or split UTF-8", l, len(l))
		}
	}
	unfolded := strings.ReplaceAll(out, "\r\n ", "")
	if !strings.Contains(unfolded, "\r\nSUMMARY:"+summary+"\r\n") {
		t.Fatalf("unfolded output lacks the summary:\n%s", unfolded)
	}
}

// TestText: TEXT escaping, control characters dropped.
func TestText(t *testing.T) {
	for in, want := range map[string]string{
		`a\b`:        `a\\b`,
		"a;b,c":      `a\;b\,c`,
		"l1\nl2\rl3": `l1\nl2\nl3`,
		"a\x00b\x1b": "ab",
		"tab\there":  "tab\there",
		"\xff":       "\uFFFD",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEncode: whatever the text of a maintenance, the calendar parses
// with an independent iCalendar parser, has one event, and its summary and
// UID read back as written (control characters dropped, line breaks kept).
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"Database upgrade", "a;b,c\\d", "line\r\nbreak", strings.Repeat("ü", 60), "\x00\x7f", "\xff\xfe"} {
		f.Add(s, "acme:"+s)
	}
	f.Fuzz(func(t *testing.T, summary, uid string) {
		out := Calendar{Stamp: stamp, Events: []Event{{UID: uid, Summary: summary, Start: stamp}}}.Encode()
		cal, err := ics.ParseCalendar(strings.NewReader(string(out)))
		if err != nil {
			t.Fatalf("parse: %v\n%q", err, out)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events, want 1\n%q", len(evs), out)
		}
		if got, want := evs[0].GetProperty(ics.ComponentPropertySummary).Value, plain(summary); got != want {
			t.Fatalf("summary read back %q, want %q", got, want)
		}
		// Not Id(): it unescapes the value a second time.
		if got, want := evs[0].GetProperty(ics.ComponentPropertyUniqueId).Value, plain(uid); got != want {
			t.Fatalf("UID read back %q, want %q", got, want)
		}
	})
}

// plain is s as a TEXT value reads back: control characters but line
// breaks dropped, breaks as \n, invalid UTF-8 replaced.
func plain(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}
