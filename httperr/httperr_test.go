package httperr

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"   ", 0, false},
		{"0", 0, true}, // retry at once: read, not "absent"
		{" 0 ", 0, true},
		{"120", 2 * time.Minute, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999999999", 0, false}, // overflows int64: unreadable
		{"9223372036854775807", time.Duration(int64(1<<63-1)/int64(time.Second)) * time.Second, true},
		{"Fri, 20 Nov 2026 12:01:00 GMT", time.Minute, true},       // IMF-fixdate
		{"Friday, 20-Nov-26 12:00:30 GMT", 30 * time.Second, true}, // RFC 850
		{"Fri Nov 20 12:02:00 2026", 2 * time.Minute, true},        // asctime
		{"Fri, 20 Nov 2026 11:00:00 GMT", 0, true},                 // in the past: at once
		{"Fri, 20 Nov 2026 12:00:00 GMT", 0, true},                 // now: at once
		{"Fri, 20 Nov 2026 12:01:00 +0100", 0, false},              // not an HTTP date
	}
	for _, c := range cases {
		got, ok := RetryAfter(c.in, now)
		if got != c.want || ok != c.wantOK {
			t.Errorf("RetryAfter(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.wantOK)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	cases := []struct {
		e    Error
		want string
	}{
		{Error{Status: 404}, "http 404 Not Found"},
		{Error{Status: 429, RetryAfter: 30 * time.Second}, "http 429 Too Many Requests (retry after 30s)"},
		{Error{Status: 500, Body: "boom"}, "http 500 Internal Server Error: boom"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}

func TestNew(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	resp := &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"Fri, 20 Nov 2026 12:00:10 GMT"}}}
	if e := New(resp, "x", now); e.Status != 503 || e.Body != "x" || e.RetryAfter != 10*time.Second {
		t.Fatalf("New = %+v", e)
	}
}

// FuzzRetryAfter checks that any header reads as a wait that is never
// negative, and as none when it is not understood.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", "Fri, 20 Nov 2026 12:01:00 GMT", "9223372036854775807", " 7 "} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string) {
		d, ok := RetryAfter(h, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("RetryAfter(%q) = %s, %v", h, d, ok)
		}
	})
}
