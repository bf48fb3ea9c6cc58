package normalize

import (
	"testing"
	"time"
)

func TestParseWindow(t *testing.T) {
	anchor := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	utc := func(mo time.Month, d, h, mi int) time.Time { return time.Date(2026, mo, d, h, mi, 0, 0, time.UTC) }
	for _, c := range []struct {
		text        string
		from, until time.Time
	}{
		{"THIS IS A SCHEDULED EVENT Feb 25, 04:00 - 05:00 UTC", utc(2, 25, 4, 0), utc(2, 25, 5, 0)},
		{"Jan 23, 14:00-20:00 UTC", utc(1, 23, 14, 0), utc(1, 23, 20, 0)},
		{"Feb 8, 22:00 - Feb 9, 13:00 UTC", utc(2, 8, 22, 0), utc(2, 9, 13, 0)},
		{"Feb 8, 23:00 - 01:00 UTC", utc(2, 8, 23, 0), utc(2, 9, 1, 0)},
		{"Dec 31, 22:00 - Jan 1, 02:00 UTC", time.Date(2025, 12, 31, 22, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)},
		{"Feb 8, 10:00 - 12:00 PST", time.Date(2026, 2, 8, 18, 0, 0, 0, time.UTC), time.Date(2026, 2, 8, 20, 0, 0, 0, time.UTC)},
	} {
		from, until, ok := ParseWindow(c.text, TimeContext{Anchor: anchor})
		if !ok || !from.Equal(c.from) || !until.Equal(c.until) {
			t.Errorf("ParseWindow(%q) = %v, %v, %v; want %v, %v", c.text, from, until, ok, c.from, c.until)
		}
	}
	if _, _, ok := ParseWindow("Scheduled for later", TimeContext{Anchor: anchor}); ok {
		t.Error("a text without a window parsed")
	}
}
