package sources

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrRefusedAddress is returned (wrapped, naming the address and why) when
// a fetch would connect to an address the fetcher's network policy
// refuses. It is final: the fetch is not retried.
var ErrRefusedAddress = errors.New("refused: private/link-local address")

// Address classes a network policy tells apart.
var (
	// metadataAddrs are cloud instance-metadata endpoints (AWS, GCP, Azure,
	// OpenStack, Oracle at 169.254.169.254; AWS ECS task metadata; AWS
	// IMDS over IPv6; Alibaba Cloud). They hand out credentials, so no
	// policy lets a fetch reach them.
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"),
		netip.MustParseAddr("169.254.170.2"),
		netip.MustParseAddr("fd00:ec2::254"),
		netip.MustParseAddr("100.100.100.200"),
	}
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	sharedCGNAT = netip.MustParsePrefix("100.64.0.0/10")
	broadcast   = netip.MustParseAddr("255.255.255.255")
)

// networkPolicy decides which addresses a Fetcher may connect to.
type networkPolicy struct {
	// allowPrivate permits private, loopback and link-local addresses
	// (never cloud metadata).
	allowPrivate bool
	// publicOnly refuses private and loopback addresses as well as
	// link-local ones, unless allowPrivate.
	publicOnly bool
}

// check returns nil if ip may be fetched from, else a *RefusedError
// (wrapping ErrRefusedAddress) that names the address and its class.
func (p networkPolicy) check(ip netip.Addr) error {
	ip = ip.Unmap()
	class, inner, via := classify(ip)
	refused := false
	switch class {
	case "":
		return nil
	case "cloud metadata", "unspecified", "multicast", "broadcast":
		refused = true
	case "link-local":
		refused = !p.allowPrivate
	default: // loopback, private
		refused = p.publicOnly && !p.allowPrivate
	}
	if !refused {
		return nil
	}
	return &RefusedError{Addr: ip, Class: class, Embedded: inner, Via: via}
}

// RefusedError is a fetch refused by the network policy. It matches
// ErrRefusedAddress with errors.Is.
type RefusedError struct {
	Addr  netip.Addr
	Class string // loopback, private, link-local, cloud metadata, …
	// Embedded and Via, when Via is set, are the IPv4 address an IPv6
	// address carries and the form that carries it (NAT64, 6to4, …); the
	// class is the embedded address's.
	Embedded netip.Addr
	Via      string
}

func (e *RefusedError) Error() string {
	if e.Via != "" {
		return fmt.Sprintf("%s %s (%s %s embedded by %s)", ErrRefusedAddress, e.Addr, e.Class, e.Embedded, e.Via)
	}
	return fmt.Sprintf("%s %s (%s)", ErrRefusedAddress, e.Addr, e.Class)
}

// Is reports ErrRefusedAddress.
func (e *RefusedError) Is(target error) bool { return target == ErrRefusedAddress }

// Allowable reports whether allowing private networks (config
// poll.allow_private_networks, check --allow-private-networks) would let
// the fetch through: true for loopback, private and link-local addresses,
// false for metadata, unspecified, multicast and broadcast ones.
func (e *RefusedError) Allowable() bool {
	switch e.Class {
	case "loopback", "private", "link-local":
		return true
	}
	return false
}

// IPv6 prefixes whose addresses carry an IPv4 address, which is what they
// reach and what the policy must judge.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	v4Compat   = netip.MustParsePrefix("::/96")
	teredo     = netip.MustParsePrefix("2001::/32")
)

// embeddedV4 returns the IPv4 addresses an IPv6 address carries, with the
// form's name: NAT64 (RFC 6052, the well-known /96 and the local-use /48,
// read in its /96 layout when bits 48–95 are zero, else in its /48 layout
// and, to be safe, in the /96 one too), 6to4, IPv4-compatible and Teredo (the
// server and the obfuscated client address).
func embeddedV4(ip netip.Addr) (addrs []netip.Addr, via string) {
	if !ip.Is6() || ip.Is4In6() {
		return nil, ""
	}
	b := ip.As16()
	v4 := func(a, b2, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b2, c, d}) }
	switch {
	case nat64.Contains(ip):
		return []netip.Addr{v4(b[12], b[13], b[14], b[15])}, "NAT64"
	case nat64Local.Contains(ip):
		if b[6]|b[7]|b[8]|b[9]|b[10]|b[11] == 0 { // a /96 inside the /48
			return []netip.Addr{v4(b[12], b[13], b[14], b[15])}, "NAT64"
		}
		return []netip.Addr{v4(b[6], b[7], b[9], b[10]), v4(b[12], b[13], b[14], b[15])}, "NAT64"
	case sixToFour.Contains(ip):
		return []netip.Addr{v4(b[2], b[3], b[4], b[5])}, "6to4"
	case v4Compat.Contains(ip):
		return []netip.Addr{v4(b[12], b[13], b[14], b[15])}, "IPv4-compatible IPv6"
	case teredo.Contains(ip):
		return []netip.Addr{v4(b[4], b[5], b[6], b[7]), v4(^b[12], ^b[13], ^b[14], ^b[15])}, "Teredo"
	}
	return nil, ""
}

// classify names the non-public class of ip ("" for a public address). An
// IPv6 address carrying an IPv4 one takes the class of the IPv4 address
// when that is not public (inner and via say which and how).
func classify(ip netip.Addr) (class string, inner netip.Addr, via string) {
	if c := addressClass(ip); c != "" {
		return c, netip.Addr{}, ""
	}
	addrs, via := embeddedV4(ip)
	for _, a := range addrs {
		if c := addressClass(a); c != "" {
			return c, a, via
		}
	}
	return "", netip.Addr{}, ""
}

// addressClass names the non-public class of ip itself ("" for a public
// address); see classify for IPv6 forms carrying IPv4.
func addressClass(ip netip.Addr) string {
	ip = ip.Unmap()
	for _, m := range metadataAddrs {
		if ip == m {
			return "cloud metadata"
		}
	}
	switch {
	case ip.IsUnspecified() || thisNetwork.Contains(ip):
		return "unspecified"
	case ip == broadcast:
		return "broadcast"
	case ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsLinkLocalMulticast():
		return "multicast"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate() || sharedCGNAT.Contains(ip):
		return "private"
	}
	return ""
}

// checkHost checks a URL host that is a literal IP address. Names are
// checked after resolution, when dialled (see control).
func (p networkPolicy) checkHost(host string) error {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil // a name: resolved and checked at dial time
	}
	return p.check(ip)
}

// control is a net.Dialer Control function: it runs after DNS resolution,
// for every address tried and on every redirect hop, before connect.
func (p networkPolicy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable dial address %q", ErrRefusedAddress, address)
	}
	return p.check(ap.Addr())
}

// dialer returns the net.Dialer a guarded transport connects through.
func (p networkPolicy) dialer() *net.Dialer {
	return &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
}

// proxied returns a transport that sends every request through proxy. The
// dialer connects only to the proxy, which is trusted (configured
// explicitly, so it may be private); the target is what the policy
// judges, so each request's host is resolved here and every address it
// has is checked before the request is handed to the proxy. (The proxy
// resolves the name again; a name whose answers change between the two
// lookups is the proxy's to guard.)
func proxied(p networkPolicy, proxy *url.URL, lookup func(context.Context, string, string) ([]netip.Addr, error)) http.RoundTripper {
	t := newTransport(p)
	t.Proxy = http.ProxyURL(proxy)
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	return &targetGuard{next: t, policy: p, lookup: lookup}
}

// targetGuard checks a request's target host against the policy before
// passing the request on.
type targetGuard struct {
	next   http.RoundTripper
	policy networkPolicy
	lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// RoundTrip refuses a request whose host is, or resolves to, an address
// the policy refuses; otherwise it sends it.
func (g *targetGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.checkTarget(req.Context(), req.URL.Hostname()); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	return g.next.RoundTrip(req)
}

func (g *targetGuard) checkTarget(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.policy.check(ip)
	}
	addrs, err := g.lookup(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("resolve %s: no addresses", host)
	}
	for _, a := range addrs {
		if err := g.policy.check(a); err != nil {
			return fmt.Errorf("%s: %w", host, err)
		}
	}
	return nil
}
