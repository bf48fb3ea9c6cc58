package sources

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func fastFetcher(o FetchOptions) *Fetcher {
	if o.MinWait == 0 {
		o.MinWait = time.Millisecond
	}
	if o.MaxWait == 0 {
		o.MaxWait = 10 * time.Millisecond
	}
	return NewFetcher(o)
}

func TestConditionalGetAfterCommitOnly(t *testing.T) {
	var hits, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("User-Agent") != UserAgent {
			t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
		}
		w.Header().Set("ETag", `W/"v1"`)
		w.Header().Set("Last-Modified", "Tue, 10 Nov 2026 10:00:00 GMT")
		if r.Header.Get("If-None-Match") == `W/"v1"` && r.Header.Get("If-Modified-Since") != "" {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	f := fastFetcher(FetchOptions{})
	ctx := context.Background()
	r1, err := f.Get(ctx, srv.URL, "application/json")
	if err != nil || r1.NotModified || string(r1.Body) != `{"ok":true}` {
		t.Fatalf("first get: %+v %v", r1, err)
	}
	// Not committed (as if the body had failed to parse): fetch in full.
	r2, err := f.Get(ctx, srv.URL, "")
	if err != nil || r2.NotModified {
		t.Fatalf("uncommitted second get: NotModified=%v err=%v", r2 != nil && r2.NotModified, err)
	}
	r2.Commit()
	r3, err := f.Get(ctx, srv.URL, "")
	if err != nil || !r3.NotModified || len(r3.Body) != 0 {
		t.Fatalf("committed third get: %+v %v", r3, err)
	}
	if conditional.Load() != 1 || hits.Load() != 3 {
		t.Errorf("hits=%d conditional=%d", hits.Load(), conditional.Load())
	}
	f.Forget(srv.URL)
	if r4, _ := f.Get(ctx, srv.URL, ""); r4 == nil || r4.NotModified {
		t.Error("after Forget the get was still conditional")
	}
}

func TestRetriesAndStatusErrors(t *testing.T) {
	cases := []struct {
		name       string
		statuses   []int
		retryAfter string
		wantHits   int32
		wantStatus int // 0: success
		wantRA     time.Duration
	}{
		{"500 then 200 retries", []int{500, 200}, "", 2, 0, 0},
		{"503 twice then 200", []int{503, 503, 200}, "", 3, 0, 0},
		{"502 until retries run out", []int{502, 502, 502, 502}, "", 3, 502, 0},
		{"429 with long Retry-After is not hammered", []int{429, 200}, "3600", 1, 429, time.Hour},
		{"400 is final", []int{400, 200}, "", 1, 400, 0},
		{"404 is final", []int{404, 200}, "", 1, 404, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(hits.Add(1)) - 1
				st := c.statuses[min(n, len(c.statuses)-1)]
				if c.retryAfter != "" {
					w.Header().Set("Retry-After", c.retryAfter)
				}
				w.WriteHeader(st)
				w.Write([]byte("{}"))
			}))
			defer srv.Close()
			_, err := fastFetcher(FetchOptions{Retries: 2}).Get(context.Background(), srv.URL, "")
			if hits.Load() != c.wantHits {
				t.Errorf("hits = %d, want %d", hits.Load(), c.wantHits)
			}
			if c.wantStatus == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != c.wantStatus || he.RetryAfter != c.wantRA {
				t.Fatalf("err = %v, want HTTPError %d (retry after %s)", err, c.wantStatus, c.wantRA)
			}
		})
	}
}

func TestTimeoutDuringRetriesNamesLastStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	f := NewFetcher(FetchOptions{Retries: 5, MinWait: 50 * time.Millisecond, MaxWait: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := f.Get(ctx, srv.URL, "")
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 503 {
		t.Fatalf("err = %v, want the 503 named rather than a bare timeout", err)
	}
}

func TestBodyLimits(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 2<<20)
	var bomb bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&bomb, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for i := 0; i < 16; i++ { // 16 MiB of zeros, ~16 KiB compressed, against a 1 MiB cap
		gz.Write(zeros)
	}
	gz.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write(big)
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
		case "/endless":
			chunk := bytes.Repeat([]byte("x"), 64<<10)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}
	}))
	defer srv.Close()
	f := fastFetcher(FetchOptions{MaxBody: 1 << 20})
	for _, path := range []string{"/big", "/bomb", "/endless"} {
		start := time.Now()
		_, err := f.Get(context.Background(), srv.URL+path, "")
		t.Logf("%s: %s", path, time.Since(start))
		if !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("%s: err = %v, want ErrBodyTooLarge", path, err)
		}
	}
}

func TestTricklingBodyTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		for i := 0; i < 1000 && r.Context().Err() == nil; i++ {
			w.Write([]byte("x"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	start := time.Now()
	_, err := fastFetcher(FetchOptions{Timeout: 300 * time.Millisecond, Retries: -1}).Get(context.Background(), srv.URL, "")
	if err == nil {
		t.Fatal("trickling body fetched without error")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gave up after %s", took)
	}
}

func TestRedirectLoopAndScheme(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/file" {
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
			return
		}
		http.Redirect(w, r, srv.URL+"/loop", http.StatusFound)
	}))
	defer srv.Close()
	f := fastFetcher(FetchOptions{})
	if _, err := f.Get(context.Background(), srv.URL+"/loop", ""); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("loop: err = %v", err)
	}
	if _, err := f.Get(context.Background(), srv.URL+"/file", ""); err == nil || !strings.Contains(err.Error(), "scheme") {
		t.Errorf("file redirect: err = %v", err)
	}
	if _, err := f.Get(context.Background(), "file:///etc/passwd", ""); err == nil {
		t.Error("file URL fetched")
	}
}

func TestLooksLikeJSON(t *testing.T) {
	cases := []struct {
		ct, body string
		ok       bool
	}{
		{"application/json", `{"a":1}`, true},
		{"application/json; charset=utf-8", "\ufeff  [1]", true},
		{"", "\n{}", true},
		{"text/html", `{"a":1}`, false},
		{"application/json", `<!DOCTYPE html><title>Just a moment...</title>`, false},
		{"application/json", "", false},
		{"application/json", "   ", false},
	}
	for _, c := range cases {
		err := (&Response{ContentType: c.ct, Body: []byte(c.body)}).LooksLikeJSON()
		if (err == nil) != c.ok {
			t.Errorf("LooksLikeJSON(%q, %q) = %v, want ok=%v", c.ct, c.body, err, c.ok)
		}
	}
}

func TestLooksLikeJSONNormalisesEncoding(t *testing.T) {
	le := []byte{0xFF, 0xFE, '{', 0, '"', 0, 0xE9, 0, '"', 0, ':', 0, '1', 0, '}', 0}
	be := []byte{0xFE, 0xFF, 0, '[', 0xD8, 0x3D, 0xDE, 0x00, 0, ']'}
	cases := []struct {
		name string
		body []byte
		want string
	}{
		{"utf-8 bom", []byte("\xef\xbb\xbf{\"a\":1}"), `{"a":1}`},
		{"utf-16le bom", le, `{"é":1}`},
		{"utf-16be bom with a surrogate pair", be, "[\U0001F600]"},
		{"plain", []byte(`{"a":1}`), `{"a":1}`},
	}
	for _, c := range cases {
		r := &Response{ContentType: "application/json", Body: c.body}
		if err := r.LooksLikeJSON(); err != nil || string(r.Body) != c.want {
			t.Errorf("%s: body %q err %v, want %q", c.name, r.Body, err, c.want)
		}
	}
}

func TestFetchErrorsRedactCredentials(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the dial fails and the error quotes the URL
	f := NewFetcher(FetchOptions{Retries: -1})
	for _, u := range []string{
		"http://someuser:PASSWORD99@" + addr + "/feed",
		"http://" + addr + "/feed?api_key=APIKEY1234&lang=en",
		"http://" + addr + "/%zz?token=TOKEN5678",
	} {
		_, err := f.Get(context.Background(), u, "")
		if err == nil {
			t.Fatalf("Get(%s) succeeded", u)
		}
		for _, secret := range []string{"someuser", "PASSWORD99", "APIKEY1234", "TOKEN5678"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes %q: %v", secret, err)
			}
		}
	}
}

// A body with a Content-Length is read into one buffer of that size, not
// grown by doubling (first polls read every page in full).
func TestBodyReadIntoItsLength(t *testing.T) {
	body := strings.Repeat("x", 1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	f := fastFetcher(FetchOptions{})
	get := func() {
		resp, err := f.Get(context.Background(), srv.URL, "")
		if err != nil || string(resp.Body) != body {
			t.Fatalf("get: %v (%d bytes)", err, len(resp.Body))
		}
	}
	get() // connections, pools
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	get()
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 3<<19 {
		t.Errorf("reading a 1 MiB body allocated %d bytes, want < 1.5 MiB", got)
	}
}
