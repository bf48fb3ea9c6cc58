package sources

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	neturl "net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/upstat/upstat/httperr"
	"github.com/upstat/upstat/redact"
)

// DefaultMaxBody is the default cap on a fetched body (after decompression).
const DefaultMaxBody = 5 << 20

// UserAgent is sent with every request.
const UserAgent = "upstat/0.1 (self-hosted status aggregator; +https://github.com/upstat/upstat)"

// FetchOptions configures a Fetcher. Zero values take the defaults.
type FetchOptions struct {
	Timeout time.Duration // per attempt; default 15s
	MaxBody int64         // default DefaultMaxBody
	Retries int           // retries after the first attempt; default 2, -1 for none
	MinWait time.Duration // first retry backoff; default 500ms
	MaxWait time.Duration // backoff cap (also caps Retry-After within one poll); default 5s
	// Transport replaces the guarded default transport (tests); the
	// network policy then only applies to literal IP addresses in URLs.
	Transport http.RoundTripper
	Log       *slog.Logger
	// AllowPrivateNetworks lets the fetcher connect to private, loopback
	// and link-local addresses (config poll.allow_private_networks).
	// Cloud metadata endpoints (169.254.169.254, fd00:ec2::254, ...) and
	// unspecified, multicast and broadcast addresses are refused always.
	AllowPrivateNetworks bool
	// PublicOnly refuses private (RFC 1918, fc00::/7, 100.64.0.0/10) and
	// loopback addresses too, unless AllowPrivateNetworks: what upstat
	// serve wants. Without it only link-local and metadata addresses are
	// refused, so library callers and tests can fetch from 127.0.0.1.
	PublicOnly bool
	// Proxy, when set, is the HTTP proxy every fetch goes through (config
	// poll.proxy). The proxy itself may be on a private address; the
	// target host is resolved and checked against the policy locally
	// before each request (and each redirect hop) is handed to it.
	// HTTP_PROXY, HTTPS_PROXY and NO_PROXY from the environment are
	// ignored: they would bypass the address guard.
	Proxy *neturl.URL
	// LookupNetIP resolves a target host when a Proxy is set; default
	// net.DefaultResolver.LookupNetIP.
	LookupNetIP func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Fetcher is the one HTTP client every adapter fetches through. It is safe
// for concurrent use. It remembers validators (ETag, Last-Modified) per URL
// once an adapter commits a response, and sends them on the next request.
type Fetcher struct {
	opts   FetchOptions
	policy networkPolicy
	client *retryablehttp.Client

	mu         sync.Mutex
	validators map[string]validator
}

type validator struct{ etag, lastModified string }

// HTTPError is a non-2xx, non-304 answer: the error type shared with the
// alert package. RetryAfter is the server's Retry-After, when it sent one,
// so the scheduler can wait that long.
type HTTPError = httperr.Error

// ErrBodyTooLarge is returned when a body exceeds the configured cap.
var ErrBodyTooLarge = errors.New("body too large")

// NewFetcher builds a Fetcher.
func NewFetcher(o FetchOptions) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Retries == 0 {
		o.Retries = 2
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.MinWait <= 0 {
		o.MinWait = 500 * time.Millisecond
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	policy := networkPolicy{allowPrivate: o.AllowPrivateNetworks, publicOnly: o.PublicOnly}
	rt := o.Transport
	if rt == nil {
		rt = newTransport(policy)
		if o.Proxy != nil {
			rt = proxied(policy, o.Proxy, o.LookupNetIP)
		}
	}
	f := &Fetcher{opts: o, policy: policy, validators: map[string]validator{}}
	c := retryablehttp.NewClient()
	c.HTTPClient = &http.Client{Transport: rt, CheckRedirect: f.checkRedirect, Timeout: o.Timeout}
	c.RetryMax = o.Retries
	c.RetryWaitMin = o.MinWait
	c.RetryWaitMax = o.MaxWait
	c.Logger = nil
	f.client = c
	c.CheckRetry = f.checkRetry
	c.Backoff = retryablehttp.DefaultBackoff // honours Retry-After on 429/503
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	c.ResponseLogHook = func(_ retryablehttp.Logger, resp *http.Response) {
		if last, ok := resp.Request.Context().Value(lastAttemptKey{}).(*lastAttempt); ok {
			last.set(resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	return f
}

// lastAttempt remembers the status of a request's latest attempt, so that
// when retries end in a timeout the error still names what the server said.
type lastAttempt struct {
	mu         sync.Mutex
	status     int
	retryAfter string
}

type lastAttemptKey struct{}

func (l *lastAttempt) set(status int, retryAfter string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status, l.retryAfter = status, retryAfter
}

func (l *lastAttempt) get() (int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status, l.retryAfter
}

// NewTransport returns the shared transport: keep-alive, bounded idle
// connections per host, timeouts on every phase before the body, no proxy
// from the environment, and a dialer that refuses link-local and cloud
// metadata addresses after DNS resolution (the default network policy of
// FetchOptions).
func NewTransport() *http.Transport { return newTransport(networkPolicy{}) }

func newTransport(p networkPolicy) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Never HTTP_PROXY and friends: a proxy is dialled instead of the
	// target, so the dialer's check would judge the proxy, not the target.
	t.Proxy = nil
	t.DialContext = p.dialer().DialContext
	t.MaxIdleConns = 1024
	// As many idle as may be open: the scheduler starts polls due in the
	// same tick together, and sources sharing a host would otherwise
	// close half their connections after every batch and dial them again
	// at the next (a tenth of upstat's CPU at 10,000 sources on one host).
	t.MaxIdleConnsPerHost = 8
	t.MaxConnsPerHost = 8
	t.IdleConnTimeout = 90 * time.Second
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 15 * time.Second
	return t
}

// checkRedirect re-checks every hop: the count, the scheme and, when the
// target is a literal IP, the network policy (names are checked when
// dialled, after resolution).
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
	}
	if err := f.policy.checkHost(req.URL.Hostname()); err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL.Host, err)
	}
	return nil
}

// checkRetry retries network errors, 429 and 5xx, except when the server
// asks for a pause longer than the fetcher's MaxWait: then the poll ends
// and the scheduler waits out the Retry-After instead of hammering.
func (f *Fetcher) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		// Redirect policy, scheme and refused-address errors are final;
		// network errors retry.
		if errors.Is(err, ErrRefusedAddress) || strings.Contains(err.Error(), "redirect") {
			return false, err
		}
		return true, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if ra, _ := httperr.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ra > f.opts.MaxWait {
			return false, nil
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < f.opts.MinWait {
			return false, nil
		}
		return true, nil
	}
	return false, nil
}

// Response is a fetched body, fully read and capped.
type Response struct {
	URL         string
	Status      int
	ContentType string
	Header      http.Header
	Body        []byte
	// NotModified is true for a 304: Body is empty and nothing changed.
	NotModified bool

	f *Fetcher
}

// Commit records the response's validators so the next Get of the same URL
// is conditional. Adapters call it only after the body parsed: a body that
// failed to parse must be fetched again in full.
func (r *Response) Commit() {
	if r == nil || r.f == nil || r.NotModified {
		return
	}
	v := validator{etag: r.Header.Get("ETag"), lastModified: r.Header.Get("Last-Modified")}
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if v.etag == "" && v.lastModified == "" {
		delete(r.f.validators, r.URL)
		return
	}
	r.f.validators[r.URL] = v
}

// Forget drops the validators of url, so the next Get fetches it in full.
func (f *Fetcher) Forget(url string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.validators, url)
}

// Get fetches url. accept is sent as the Accept header. A 304 returns a
// Response with NotModified set; any other non-2xx status returns an
// *HTTPError. The body is read in full up to the cap; past it Get fails
// with an error wrapping ErrBodyTooLarge.
func (f *Fetcher) Get(ctx context.Context, url, accept string) (*Response, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("request: %w", redactURLError(err))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("unsupported scheme %q", req.URL.Scheme)
	}
	if err := f.policy.checkHost(req.URL.Hostname()); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	req.Header.Set("User-Agent", UserAgent)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	f.mu.Lock()
	v, ok := f.validators[url]
	f.mu.Unlock()
	if ok {
		if v.etag != "" {
			req.Header.Set("If-None-Match", v.etag)
		}
		if v.lastModified != "" {
			req.Header.Set("If-Modified-Since", v.lastModified)
		}
	}
	// http.Client.Timeout bounds each attempt, body included (a trickling
	// body fails); ctx bounds the whole call, retries included.
	last := &lastAttempt{}
	req.Request = req.Request.WithContext(context.WithValue(req.Request.Context(), lastAttemptKey{}, last))
	resp, err := f.client.Do(req)
	if err != nil {
		if status, ra := last.get(); status != 0 && (status < 200 || status > 399) {
			wait, _ := httperr.RetryAfter(ra, time.Now())
			return nil, &HTTPError{Status: status, RetryAfter: wait}
		}
		return nil, fmt.Errorf("fetch: %w", redactURLError(err))
	}
	defer resp.Body.Close()
	out := &Response{URL: url, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Header: resp.Header, f: f}
	if resp.StatusCode == http.StatusNotModified {
		out.NotModified = true
		return out, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, httperr.New(resp, "", time.Now())
	}
	body, err := readBody(resp, f.opts.MaxBody)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > f.opts.MaxBody {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, f.opts.MaxBody)
	}
	out.Body = body
	return out, nil
}

// readBody reads at most limit+1 bytes of resp's body. With a
// Content-Length within the limit the buffer is allocated once at that
// size: io.ReadAll doubles its way up, about as much garbage again as the
// body (a first poll of 10,000 vendors reads every page in full).
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= limit {
		// The client fails a body shorter than its Content-Length and
		// never reads past it.
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit+1))
}

// redactURLError hides the credentials of the URL a *url.Error quotes
// (user information, api_key=… values): fetch errors become a vendor's
// last_error, shown by the API and the dashboard, and are logged.
func redactURLError(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		ue.URL = redact.URL(ue.URL)
	}
	return err
}

// LooksLikeJSON reports whether the response is plausibly JSON: a JSON (or
// missing/plain) content type and a body that starts with '{' or '['. It is
// how adapters refuse a bot-challenge or error page served as data. It
// also normalises Body for decoding: a UTF-8 byte-order mark is dropped and
// a UTF-16 body with a byte-order mark is transcoded to UTF-8 (JSON must
// be UTF-8, but some servers write UTF-16 with a BOM).
func (r *Response) LooksLikeJSON() error {
	ct := strings.ToLower(r.ContentType)
	if strings.Contains(ct, "html") {
		return fmt.Errorf("expected JSON, got content type %q", r.ContentType)
	}
	r.Body = unBOM(r.Body)
	b := bytes.TrimLeft(r.Body, " \t\r\n")
	if len(b) == 0 {
		return errors.New("empty body")
	}
	if b[0] != '{' && b[0] != '[' {
		return fmt.Errorf("expected JSON, body starts with %q", snippet(b))
	}
	return nil
}

// unBOM drops a UTF-8 byte-order mark and transcodes UTF-16 (LE or BE)
// with a byte-order mark to UTF-8. Other bodies are returned as they are.
func unBOM(b []byte) []byte {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		return b[3:]
	case bytes.HasPrefix(b, []byte("\xff\xfe")):
		order = binary.LittleEndian
	case bytes.HasPrefix(b, []byte("\xfe\xff")):
		order = binary.BigEndian
	default:
		return b
	}
	units := make([]uint16, 0, len(b)/2)
	for i := 2; i+1 < len(b); i += 2 {
		units = append(units, order.Uint16(b[i:]))
	}
	return []byte(string(utf16.Decode(units)))
}

func snippet(b []byte) string {
	if len(b) > 24 {
		b = b[:24]
	}
	return string(b)
}
