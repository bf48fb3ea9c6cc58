package normalize

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone data for the tests, whatever the machine has

	"github.com/upstat/upstat"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

type timeCase struct {
	name string
	in   string
	tc   TimeContext
	want string // RFC 3339 in UTC
}

func timeCases(t testing.TB) []timeCase {
	anchor := time.Date(2026, 8, 22, 3, 43, 56, 0, time.UTC)
	newYork := mustLoad(t, "America/New_York")
	kolkata := mustLoad(t, "Asia/Kolkata")
	dublin := mustLoad(t, "Europe/Dublin")
	return []timeCase{
		// RFC 3339 / ISO 8601.
		{"rfc3339 Z", "2026-07-25T09:25:30Z", TimeContext{}, "2026-07-25T09:25:30Z"},
		{"rfc3339 millis offset", "2019-02-20T12:00:19.418-06:00", TimeContext{}, "2019-02-20T18:00:19.418Z"},
		{"rfc3339 millis Z", "2022-02-15T13:37:37.407Z", TimeContext{}, "2022-02-15T13:37:37.407Z"},
		{"rfc3339 positive offset", "2020-06-16T13:27:41+02:00", TimeContext{}, "2020-06-16T11:27:41Z"},
		{"iso offset without colon", "2020-06-16T13:27:41+0200", TimeContext{}, "2020-06-16T11:27:41Z"},
		{"iso minus zero", "2026-06-11T07:00:00-00:00", TimeContext{}, "2026-06-11T07:00:00Z"},
		{"iso single-digit hour", "2023-12-04T8:00:00-00:00", TimeContext{}, "2023-12-04T08:00:00Z"},
		{"iso no seconds", "2023-12-04T08:00+01:00", TimeContext{}, "2023-12-04T07:00:00Z"},
		{"iso space and offset", "2023-12-04 08:00:00+01:00", TimeContext{}, "2023-12-04T07:00:00Z"},
		{"iso lower case", "2023-12-04t08:00:00z", TimeContext{}, "2023-12-04T08:00:00Z"},
		{"iso comma fraction", "2019-02-20T12:00:19,5Z", TimeContext{}, "2019-02-20T12:00:19.5Z"},
		{"iso zone-less T", "2023-12-04T08:00:00", TimeContext{}, "2023-12-04T08:00:00Z"},
		{"date and minute UTC", "2023-07-10 12:08 UTC", TimeContext{}, "2023-07-10T12:08:00Z"},
		{"date and minute numeric", "2023-07-10 12:08 -0400", TimeContext{}, "2023-07-10T16:08:00Z"},
		{"zone-less default UTC", "2015-08-01 12:00:00", TimeContext{}, "2015-08-01T12:00:00Z"},
		{"zone-less in zone (summer)", "2015-08-01 12:00:00", TimeContext{Zone: newYork}, "2015-08-01T16:00:00Z"},
		{"zone-less in zone (winter)", "2015-01-01 12:00:00", TimeContext{Zone: newYork}, "2015-01-01T17:00:00Z"},
		{"date only", "2023-07-10", TimeContext{}, "2023-07-10T00:00:00Z"},
		{"slashes", "2023/07/10 12:08", TimeContext{}, "2023-07-10T12:08:00Z"},

		// Statuspage pages and text extraction.
		{"statuspage incident page", "May 01, 2018 - 20:40 EDT", TimeContext{}, "2018-05-02T00:40:00Z"},
		{"statuspage CEST", "Sep 19, 2023 - 11:34 CEST", TimeContext{}, "2023-09-19T09:34:00Z"},
		{"statuspage UTC", "Aug 17, 2026 - 21:15 UTC", TimeContext{}, "2026-08-17T21:15:00Z"},
		{"text-extraction spacing", "Aug 17 , 2026 - 13:40 UTC", TimeContext{}, "2026-08-17T13:40:00Z"},
		{"twelve-hour clock", "Apr 01, 2022, 06:15 PM UTC", TimeContext{}, "2022-04-01T18:15:00Z"},
		{"twelve-hour midnight", "Apr 04, 2022, 12:14 AM UTC", TimeContext{}, "2022-04-04T00:14:00Z"},
		{"twelve-hour noon lower", "apr 04, 2022, 12:14 pm pdt", TimeContext{}, "2022-04-04T19:14:00Z"},
		{"long month and ordinal", "May 29th, 2019", TimeContext{}, "2019-05-29T00:00:00Z"},
		{"long month at", "September 27, 2023 at 00:12 UTC", TimeContext{}, "2023-09-27T00:12:00Z"},
		{"date only textual", "Jan 15, 2021", TimeContext{}, "2021-01-15T00:00:00Z"},

		// RFC 822 / 1123 / 5322.
		{"rfc1123 PDT", "Fri, 23 Aug 2019 04:18:35 PDT", TimeContext{}, "2019-08-23T11:18:35Z"},
		{"rfc1123 PST", "Fri, 14 Jan 2022 14:44:00 PST", TimeContext{}, "2022-01-14T22:44:00Z"},
		{"rfc1123 Z", "Mon, 12 Nov 2018 16:25:40 Z", TimeContext{}, "2018-11-12T16:25:40Z"},
		{"rfc1123 +0000", "Tue, 16 Jan 2024 12:00:00 +0000", TimeContext{}, "2024-01-16T12:00:00Z"},
		{"rfc1123 GMT", "Thu, 03 Sep 2026 11:55:00 GMT", TimeContext{}, "2026-09-03T11:55:00Z"},
		{"rfc1123 UTC", "Thu, 03 Sep 2026 11:55:00 UTC", TimeContext{}, "2026-09-03T11:55:00Z"},
		{"rfc822 single-digit day", "Fri, 4 Sep 2026 18:27:54 +0000", TimeContext{}, "2026-09-04T18:27:54Z"},
		{"rfc822 no weekday", "4 Sep 2026 18:27:54 -0700", TimeContext{}, "2026-09-05T01:27:54Z"},
		{"rfc822 no seconds", "Wed, 20 Apr 2016 09:39 EST", TimeContext{}, "2016-04-20T14:39:00Z"},
		{"rfc822 two-digit year", "Wed, 20 Apr 16 09:39:00 CET", TimeContext{}, "2016-04-20T08:39:00Z"},
		{"rfc822 long weekday", "Wednesday, 20 Apr 2016 09:39:00 BST", TimeContext{}, "2016-04-20T08:39:00Z"},
		{"rfc5322 comment zone", "Fri, 23 Aug 2019 04:18:35 -0700 (PDT)", TimeContext{}, "2019-08-23T11:18:35Z"},
		{"rfc850", "Friday, 23-Aug-19 04:18:35 GMT", TimeContext{}, "2019-08-23T04:18:35Z"},
		{"asctime", "Fri Aug 23 04:18:35 2019", TimeContext{}, "2019-08-23T04:18:35Z"},
		{"MSK", "23 Aug 2019 04:18:35 MSK", TimeContext{}, "2019-08-23T01:18:35Z"},
		{"AEDT", "23 Jan 2019 04:18:35 AEDT", TimeContext{}, "2019-01-22T17:18:35Z"},
		{"NZST", "23 Jul 2019 12:00:00 NZST", TimeContext{}, "2019-07-23T00:00:00Z"},
		{"HST", "23 Jul 2019 12:00:00 HST", TimeContext{}, "2019-07-23T22:00:00Z"},
		{"AKDT", "23 Jul 2019 12:00:00 AKDT", TimeContext{}, "2019-07-23T20:00:00Z"},

		// Instatus-style offsets.
		{"GMT+0", "Sep 25, 2026 15:15:00 GMT+0", TimeContext{}, "2026-09-25T15:15:00Z"},
		{"GMT+1", "Sep 25, 2026 15:15:00 GMT+1", TimeContext{}, "2026-09-25T14:15:00Z"},
		{"GMT-5", "Sep 25, 2026 15:15:00 GMT-5", TimeContext{}, "2026-09-25T20:15:00Z"},
		{"UTC+2", "Sep 25, 2026 15:15 UTC+2", TimeContext{}, "2026-09-25T13:15:00Z"},
		{"GMT+05:30", "Sep 25, 2026 15:15 GMT+05:30", TimeContext{}, "2026-09-25T09:45:00Z"},

		// Year-less stamps, anchored at 2026-08-22T03:43:56Z.
		{"year-less EDT", "May 1, 20:40 EDT", TimeContext{Anchor: anchor}, "2026-05-02T00:40:00Z"},
		{"year-less double space", "Aug  9, 00:37 UTC", TimeContext{Anchor: anchor}, "2026-08-09T00:37:00Z"},
		{"year-less GMT+0 seconds", "Jun  5, 01:40:38 GMT+0", TimeContext{Anchor: anchor}, "2026-06-05T01:40:38Z"},
		{"year-less within a day after", "Aug 23, 03:00 UTC", TimeContext{Anchor: anchor}, "2026-08-23T03:00:00Z"},
		{"year-less rolls back", "Aug 23, 04:00 UTC", TimeContext{Anchor: anchor}, "2025-08-23T04:00:00Z"},
		{"year-less December before January anchor", "Dec 31, 23:50 UTC",
			TimeContext{Anchor: time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)}, "2025-12-31T23:50:00Z"},
		{"year-less zone crosses new year", "Dec 31, 23:00 EST",
			TimeContext{Anchor: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)}, "2026-01-01T04:00:00Z"},
		{"year-less 29 February", "Feb 29, 10:00 UTC", TimeContext{Anchor: anchor}, "2024-02-29T10:00:00Z"},
		{"year-less twelve-hour", "Aug 21, 8:12 AM PDT", TimeContext{Anchor: anchor}, "2026-08-21T15:12:00Z"},

		// Epochs.
		{"epoch seconds", "1660000000", TimeContext{}, "2022-08-08T23:06:40Z"},
		{"epoch millis", "1660000000123", TimeContext{}, "2022-08-08T23:06:40.123Z"},
		{"epoch with spaces", "  1611410400 ", TimeContext{}, "2021-01-23T14:00:00Z"},

		// Whitespace and non-breaking spaces.
		{"nbsp entity", "May&nbsp;01,&nbsp;2018 -&nbsp;20:40&nbsp;EDT", TimeContext{}, "2018-05-02T00:40:00Z"},
		{"nbsp rune", "May\u00a001, 2018 - 20:40\u202fEDT", TimeContext{}, "2018-05-02T00:40:00Z"},
		{"newlines and tabs", "\n\tMay 01,\n 2018 -\t20:40   EDT \n", TimeContext{}, "2018-05-02T00:40:00Z"},

		// Abbreviations settled by the configured zone.
		{"IST Kolkata", "Sep 25, 2026 15:15 IST", TimeContext{Zone: kolkata}, "2026-09-25T09:45:00Z"},
		{"IST Dublin", "Sep 25, 2026 15:15 IST", TimeContext{Zone: dublin}, "2026-09-25T14:15:00Z"},
		{"configured zone does not change other abbreviations", "Sep 25, 2026 15:15 PDT", TimeContext{Zone: kolkata}, "2026-09-25T22:15:00Z"},
	}
}

func TestParseTime(t *testing.T) {
	for _, c := range timeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			checkParse(t, c)
		})
	}
}

func checkParse(t *testing.T, c timeCase) {
	t.Helper()
	got, err := ParseTime(c.in, c.tc)
	if err != nil {
		t.Fatalf("ParseTime(%q): %v", c.in, err)
	}
	if got.Location() != time.UTC {
		t.Errorf("ParseTime(%q) location = %v, want UTC", c.in, got.Location())
	}
	if s := got.Format(time.RFC3339Nano); s != c.want {
		t.Errorf("ParseTime(%q) = %s, want %s", c.in, s, c.want)
	}
}

// TestParseTimeNonUTCLocal checks that the machine's zone changes nothing:
// Go's own parser honours an abbreviation only when the local zone defines
// it, which is how "PDT" silently becomes UTC+0 on some machines.
func TestParseTimeNonUTCLocal(t *testing.T) {
	for _, zone := range []string{"America/New_York", "Asia/Tokyo", "America/Los_Angeles"} {
		t.Run(zone, func(t *testing.T) {
			saved := time.Local
			time.Local = mustLoad(t, zone)
			t.Cleanup(func() { time.Local = saved })
			for _, c := range timeCases(t) {
				checkParse(t, c)
			}
		})
	}
}

func TestParseTimeErrors(t *testing.T) {
	kolkata := mustLoad(t, "Asia/Kolkata")
	cases := []struct {
		name, in string
		tc       TimeContext
		msg      string // part of the error message
	}{
		{"empty", "", TimeContext{}, "empty"},
		{"blank", " &nbsp; ", TimeContext{}, "empty"},
		{"unknown abbreviation", "Fri, 23 Aug 2019 04:18:35 XYZ", TimeContext{}, `unknown zone abbreviation "XYZ"`},
		{"unknown abbreviation after ISO", "2023-07-10 12:08 ABC", TimeContext{}, `unknown zone abbreviation "ABC"`},
		{"IST without zone", "Sep 25, 2026 15:15 IST", TimeContext{}, "ambiguous zone abbreviation"},
		{"IST with other zone", "Sep 25, 2026 15:15 IST", TimeContext{Zone: time.UTC}, "ambiguous zone abbreviation"},
		{"year-less without anchor", "May 1, 20:40 EDT", TimeContext{}, "year-less"},
		{"year-less unknown zone", "May 1, 20:40 QQQ", TimeContext{Anchor: time.Now()}, "unknown zone"},
		{"range is not one time", "Mar 13, 06:55 - 16:02 UTC", TimeContext{Anchor: time.Now()}, "unrecognised"},
		{"words", "yesterday", TimeContext{}, "unrecognised"},
		{"nine digits", "166000000", TimeContext{}, "9 digits"},
		{"eleven digits", "16600000000", TimeContext{}, "11 digits"},
		{"bad offset", "2023-07-10 12:08 +2500", TimeContext{}, "unrecognised"},
		{"bad day", "Feb 30, 2023 10:00 UTC", TimeContext{}, "unrecognised"},
		{"bad hour", "2023-07-10 25:08 UTC", TimeContext{}, "unrecognised"},
		{"before 1970", "1969-12-31T23:59:59Z", TimeContext{}, "out of range"},
		{"time only", "20:40 UTC", TimeContext{Zone: kolkata}, "unrecognised"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseTime(c.in, c.tc)
			if err == nil {
				t.Fatalf("ParseTime(%q) = %v, want an error", c.in, got)
			}
			if !errors.Is(err, upstat.ErrInvalid) {
				t.Errorf("error %v does not wrap upstat.ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not mention %q", err, c.msg)
			}
			if !got.IsZero() {
				t.Errorf("time on error = %v, want zero", got)
			}
		})
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2019-02-20T12:00:19.418-06:00", "May 01, 2018 - 20:40 EDT", "Apr 01, 2022, 06:15 PM UTC",
		"Fri, 23 Aug 2019 04:18:35 PDT", "Jun  5, 01:40:38 GMT+0", "1660000000123", "2015-08-01 12:00:00",
		"Aug 17 , 2026 - 13:40 UTC", "Feb 29, 10:00 UTC", "Sep 25, 2026 15:15 GMT+05:30",
	} {
		f.Add(s)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	tc := TimeContext{Zone: ny, Anchor: time.Date(2026, 8, 22, 3, 43, 56, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, tc)
		if err != nil {
			if !errors.Is(err, upstat.ErrInvalid) {
				t.Fatalf("ParseTime(%q) error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not UTC", s, got)
		}
		if got.Before(minTime) || got.After(maxTime) {
			t.Fatalf("ParseTime(%q) = %v, out of range", s, got)
		}
		again, err := ParseTime(got.Format(time.RFC3339Nano), TimeContext{})
		if err != nil || !again.Equal(got) {
			t.Fatalf("round trip of %q: %v -> %v, %v", s, got, again, err)
		}
	})
}

func BenchmarkParseTime(b *testing.B) {
	inputs := []string{
		"2019-02-20T12:00:19.418-06:00", "May 01, 2018 - 20:40 EDT", "Apr 01, 2022, 06:15 PM UTC",
		"Fri, 23 Aug 2019 04:18:35 PDT", "Jun  5, 01:40:38 GMT+0", "1660000000123", "2015-08-01 12:00:00",
		"Tue, 16 Jan 2024 12:00:00 +0000", "Aug  9, 00:37 UTC",
	}
	tc := TimeContext{Anchor: time.Date(2026, 8, 22, 3, 43, 56, 0, time.UTC)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseTime(inputs[i%len(inputs)], tc); err != nil {
			b.Fatal(err)
		}
	}
}
