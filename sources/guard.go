package sources

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
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

// check returns nil if ip may be fetched from, else an error wrapping
// ErrRefusedAddress that names the address and its class.
func (p networkPolicy) check(ip netip.Addr) error {
	ip = ip.Unmap()
	class := addressClass(ip)
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
	return fmt.Errorf("%w %s (%s)", ErrRefusedAddress, ip, class)
}

// addressClass names the non-public class of ip ("" for a public address).
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
