package sources

import (
	"net"
	"net/http"
	"net/netip"
	"time"
)

// NetPolicy is the outbound address policy of fetches, for outbound code
// that is not a page fetch (upstat's own probes of a vendor's endpoints):
// it refuses the same addresses a Fetcher built with the same options
// refuses. It does not go through FetchOptions.Proxy.
type NetPolicy struct{ p networkPolicy }

// NewNetPolicy returns the policy a Fetcher with these FetchOptions fields
// applies: cloud metadata and link-local addresses always refused; with
// publicOnly, private and loopback ones too unless allowPrivate.
func NewNetPolicy(publicOnly, allowPrivate bool) NetPolicy {
	return NetPolicy{networkPolicy{publicOnly: publicOnly, allowPrivate: allowPrivate}}
}

// Check returns nil if ip may be connected to, else an error wrapping
// ErrRefusedAddress that names the address and its class.
func (n NetPolicy) Check(ip netip.Addr) error { return n.p.check(ip) }

// Dialer returns a dialer that checks every address it is about to
// connect to, after DNS resolution, against the policy.
func (n NetPolicy) Dialer(timeout time.Duration) *net.Dialer {
	d := n.p.dialer()
	d.Timeout = timeout
	return d
}

// Transport returns an HTTP transport that dials through the policy's
// dialer and takes no proxy from the environment.
func (n NetPolicy) Transport() *http.Transport { return newTransport(n.p) }
