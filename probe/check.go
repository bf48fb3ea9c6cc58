// Package probe is upstat's own view of a vendor: periodic checks of the
// endpoints a team actually calls (an HTTP(S) GET or HEAD with an
// expected status or body substring, a TCP connect, a DNS resolve), each
// failing only after K consecutive failures and recovering after K
// consecutive successes. What the probes see is a signal of its own,
// never written over what the vendor reports.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat/sources"
)

// Probe kinds.
const (
	KindHTTP = "http"
	KindTCP  = "tcp"
	KindDNS  = "dns"
)

// Spec is one probe of one vendor.
type Spec struct {
	Vendor string
	Name   string
	Kind   string // KindHTTP, KindTCP or KindDNS
	// Target is the URL (http), host:port (tcp) or host name (dns).
	Target string
	// Method is GET or HEAD (http; default GET).
	Method string
	// ExpectStatus lists the statuses that pass (http); empty means any
	// 2xx or 3xx.
	ExpectStatus []int
	// ExpectBody, when set, must occur in the first MaxBody bytes of the
	// body (http GET).
	ExpectBody string
	Interval   time.Duration
	Timeout    time.Duration
	// FailAfter consecutive failures make the probe failing; RecoverAfter
	// consecutive successes make it ok again.
	FailAfter, RecoverAfter int
}

// MaxBody is how much of an HTTP probe's body is read for ExpectBody.
const MaxBody = 1 << 20

// Checker runs one check of a probe through the outbound address policy.
type Checker struct {
	client *http.Client
	policy sources.NetPolicy
	lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// NewChecker returns a Checker whose connections obey policy. lookup
// resolves names for dns probes (nil: the system resolver).
func NewChecker(policy sources.NetPolicy, lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)) *Checker {
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	t := policy.Transport()
	t.MaxIdleConnsPerHost = 1
	return &Checker{
		client: &http.Client{
			Transport: t,
			// A redirect is an answer: its status is what the probe sees.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		policy: policy,
		lookup: lookup,
	}
}

// Check runs spec once within its timeout: nil when the endpoint answered
// as expected, else an error saying what it did instead.
func (c *Checker) Check(ctx context.Context, spec *Spec) error {
	ctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()
	switch spec.Kind {
	case KindHTTP:
		return c.checkHTTP(ctx, spec)
	case KindTCP:
		conn, err := c.policy.Dialer(spec.Timeout).DialContext(ctx, "tcp", spec.Target)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		return conn.Close()
	case KindDNS:
		addrs, err := c.lookup(ctx, "ip", spec.Target)
		if err != nil {
			return fmt.Errorf("resolve: %w", err)
		}
		if len(addrs) == 0 {
			return errors.New("resolve: no addresses")
		}
		return nil
	}
	return fmt.Errorf("unknown probe kind %q", spec.Kind)
}

func (c *Checker) checkHTTP(ctx context.Context, spec *Spec) error {
	method := spec.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, spec.Target, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "upstat-probe (+https://github.com/upstat/upstat)")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !statusOK(resp.StatusCode, spec.ExpectStatus) {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("http %d", resp.StatusCode)
	}
	if spec.ExpectBody == "" || method == http.MethodHead {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if !strings.Contains(string(body), spec.ExpectBody) {
		return fmt.Errorf("body lacks %q", spec.ExpectBody)
	}
	return nil
}

// statusOK reports whether code passes: one of want, or 2xx/3xx without.
func statusOK(code int, want []int) bool {
	if len(want) == 0 {
		return code >= 200 && code < 400
	}
	return slices.Contains(want, code)
}
