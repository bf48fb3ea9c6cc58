package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/upstat/upstat/redact"
)

// Evidence is what a kind's probe found at a status page's address: the
// URL the kind should read (and its options, if the probe worked any
// out), and why it thinks so, in a few words a user can check.
type Evidence struct {
	Kind    string         // the kind whose probe answered (set by Detect)
	URL     string         // what the kind reads
	Options map[string]any // kind options (nil: none)
	Why     string         // what was seen, or why the probe declined
}

// Probe recognises a page of its kind from the page's address (no
// trailing slash). It fetches through p, so that what one probe fetched
// is not fetched again by the next; it returns true only on positive
// evidence of its format, and otherwise false with Why saying what it
// saw. A probe never fails: an unreachable page is just not its kind.
type Probe func(ctx context.Context, p *Prober, page string) (Evidence, bool)

// Prober fetches for probes during one detection: each URL once, without
// validators. It is not safe for concurrent use.
type Prober struct {
	f    *Fetcher
	seen map[string]probed
}

type probed struct {
	resp *Response
	err  error
}

// NewProber returns a Prober that fetches through f.
func NewProber(f *Fetcher) *Prober { return &Prober{f: f, seen: map[string]probed{}} }

// Get fetches url in full (a 304 to validators another Source of the
// same URL committed is fetched again without them), once per Prober.
func (p *Prober) Get(ctx context.Context, url, accept string) (*Response, error) {
	if got, ok := p.seen[url]; ok {
		return got.resp, got.err
	}
	resp, err := p.f.Get(ctx, url, accept)
	if err == nil && resp.NotModified {
		p.f.Forget(url)
		resp, err = p.f.Get(ctx, url, accept)
	}
	if err == nil && resp.NotModified {
		err = errors.New("http 304 to an unconditional request")
	}
	if ctx.Err() == nil { // a cancelled fetch says nothing about the page
		p.seen[url] = probed{resp, err}
	}
	return resp, err
}

// JSON fetches url and decodes it into v. The error says, in a few words,
// why the answer is not the JSON asked for.
func (p *Prober) JSON(ctx context.Context, url string, v any) error {
	resp, err := p.Get(ctx, url, "application/json")
	if err != nil {
		return err
	}
	body := *resp
	if err := body.LooksLikeJSON(); err != nil {
		return err
	}
	if err := json.Unmarshal(body.Body, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// Detector is a kind's part in detection.
type Detector struct {
	// Order places the probe among the others: lower runs first. The
	// platform APIs come first (Statuspage 10 … Cachet 60), then the
	// clouds (70s), then feeds (80) and HTML presets (90), so that the
	// most specific reading of a page wins.
	Order int
	Probe Probe
}

// Detect runs the probes of every registered kind that has one, in
// order, against page, and returns the first that recognises it with the
// evidence each probe gave up to then (for `upstat detect`). When none
// does, the error lists what each saw. Only a cancelled ctx stops early.
// Evidence.Why and the error are fit to show: the credentials of page
// (user information, secret query values) are redacted; Evidence.URL is
// what to fetch, credentials included.
func Detect(ctx context.Context, p *Prober, page string) (Evidence, []Evidence, error) {
	page = strings.TrimRight(strings.TrimSpace(page), "/")
	var tried []Evidence
	for _, k := range detectors() {
		ev, ok := k.Detect.Probe(ctx, p, page)
		ev.Kind, ev.Why = k.Name, redact.String(ev.Why, page)
		tried = append(tried, ev)
		if ctx.Err() != nil {
			return Evidence{}, tried, ctx.Err()
		}
		if ok {
			return ev, tried, nil
		}
	}
	var why []string
	for _, ev := range tried {
		why = append(why, ev.Kind+": "+ev.Why)
	}
	return Evidence{}, tried, fmt.Errorf("no known status page format at %s (%s)", redact.URL(page), strings.Join(why, "; "))
}

// detectors returns the kinds with a probe, in probe order (then by name).
func detectors() []Kind {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var out []Kind
	for name, k := range registry {
		if k.Name == name && k.Detect != nil && k.Detect.Probe != nil {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Detect.Order != out[j].Detect.Order {
			return out[i].Detect.Order < out[j].Detect.Order
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// WrongFormat reports whether a poll error says the page no longer
// speaks the format its kind reads (as opposed to being down): an HTTP
// 404 or 410, an answer that is not the JSON expected, or a body that did
// not decode (adapters' errors of that kind say "decode").
func WrongFormat(err error) bool {
	var herr *HTTPError
	if errors.As(err, &herr) {
		return herr.Status == http.StatusNotFound || herr.Status == http.StatusGone
	}
	msg := err.Error()
	return strings.Contains(msg, "decode") || strings.Contains(msg, "expected JSON")
}

// HostIn reports whether page's host is one of hosts (or a subdomain of
// one): how the big clouds, whose status lives on known hosts, are
// recognised without fetching.
func HostIn(page string, hosts ...string) bool {
	u, err := url.Parse(page)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, want := range hosts {
		if h == want || strings.HasSuffix(h, "."+want) {
			return true
		}
	}
	return false
}
