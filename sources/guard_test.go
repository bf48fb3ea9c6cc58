package sources

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNetworkPolicyClassifiesAddresses(t *testing.T) {
	def, public, private := networkPolicy{}, networkPolicy{publicOnly: true}, networkPolicy{publicOnly: true, allowPrivate: true}
	cases := []struct {
		ip                     string
		class                  string
		def, public, withAllow bool // allowed under each policy
	}{
		{"93.184.216.34", "", true, true, true},
		{"2606:4700::6810:84e5", "", true, true, true},
		{"169.254.169.254", "cloud metadata", false, false, false},
		{"::ffff:169.254.169.254", "cloud metadata", false, false, false},
		{"fd00:ec2::254", "cloud metadata", false, false, false},
		{"169.254.170.2", "cloud metadata", false, false, false},
		{"100.100.100.200", "cloud metadata", false, false, false},
		{"169.254.10.1", "link-local", false, false, true},
		{"fe80::1", "link-local", false, false, true},
		{"0.0.0.0", "unspecified", false, false, false},
		{"0.1.2.3", "unspecified", false, false, false},
		{"::", "unspecified", false, false, false},
		{"224.0.0.1", "multicast", false, false, false},
		{"255.255.255.255", "broadcast", false, false, false},
		{"127.0.0.1", "loopback", true, false, true},
		{"::1", "loopback", true, false, true},
		{"10.1.2.3", "private", true, false, true},
		{"172.16.0.1", "private", true, false, true},
		{"192.168.1.1", "private", true, false, true},
		{"fd12::1", "private", true, false, true},
		{"100.64.0.1", "private", true, false, true},
		// IPv6 forms carrying an IPv4 address are judged by that address.
		{"64:ff9b::a9fe:a9fe", "cloud metadata", false, false, false},           // NAT64 169.254.169.254
		{"64:ff9b::7f00:1", "loopback", true, false, true},                      // NAT64 127.0.0.1
		{"64:ff9b::5db8:d822", "", true, true, true},                            // NAT64 93.184.216.34
		{"64:ff9b:1:a00:1:200::", "private", true, false, true},                 // local NAT64 /48 layout, 10.0.1.2
		{"64:ff9b:1::c0a8:101", "private", true, false, true},                   // local NAT64 /96 layout, 192.168.1.1
		{"2002:a9fe:a9fe::1", "cloud metadata", false, false, false},            // 6to4
		{"2002:c0a8:101::", "private", true, false, true},                       // 6to4 192.168.1.1
		{"2002:5db8:d822::1", "", true, true, true},                             // 6to4 of a public address
		{"::a9fe:a9fe", "cloud metadata", false, false, false},                  // IPv4-compatible
		{"::7f00:1", "loopback", true, false, true},                             // IPv4-compatible 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback", true, false, true}, // Teredo, client 127.0.0.1
		{"2001:0:a9fe:a9fe::", "cloud metadata", false, false, false},           // Teredo server 169.254.169.254
		{"2001:0:4136:e378:8000:63bf:a201:2fdd", "", true, true, true},          // Teredo, public both ends
	}
	for _, c := range cases {
		ip := netip.MustParseAddr(c.ip)
		if got, _, _ := classify(ip); got != c.class {
			t.Errorf("classify(%s) = %q, want %q", c.ip, got, c.class)
		}
		for _, p := range []struct {
			name string
			p    networkPolicy
			want bool
		}{{"default", def, c.def}, {"public only", public, c.public}, {"allow private", private, c.withAllow}} {
			err := p.p.check(ip)
			if (err == nil) != p.want {
				t.Errorf("%s: check(%s) = %v, want allowed=%v", p.name, c.ip, err, p.want)
			}
			if err != nil && (!errors.Is(err, ErrRefusedAddress) || !strings.Contains(err.Error(), "refused: private/link-local address")) {
				t.Errorf("%s: check(%s) = %v, want ErrRefusedAddress", p.name, c.ip, err)
			}
		}
	}
}

func TestFetchRefusesPrivateUnlessAllowed(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	byName := "http://localhost:" + strconv.Itoa(port) + "/"
	cases := []struct {
		name string
		opts FetchOptions
		url  string
		ok   bool
	}{
		{"literal loopback, public only", FetchOptions{PublicOnly: true}, srv.URL, false},
		{"name resolving to loopback, public only", FetchOptions{PublicOnly: true}, byName, false},
		{"literal loopback, allowed", FetchOptions{PublicOnly: true, AllowPrivateNetworks: true}, srv.URL, true},
		{"name resolving to loopback, allowed", FetchOptions{PublicOnly: true, AllowPrivateNetworks: true}, byName, true},
		{"loopback, default policy", FetchOptions{}, srv.URL, true},
		{"metadata literal, allowed private", FetchOptions{AllowPrivateNetworks: true}, "http://169.254.169.254/latest/meta-data/", false},
		{"ipv6 metadata literal", FetchOptions{AllowPrivateNetworks: true}, "http://[fd00:ec2::254]/latest/meta-data/", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := hits.Load()
			c.opts.Retries = 3 // a refusal must not be retried
			c.opts.Timeout = 5 * time.Second
			start := time.Now()
			_, err := fastFetcher(c.opts).Get(context.Background(), c.url, "")
			if c.ok {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrRefusedAddress) || !strings.Contains(err.Error(), "refused: private/link-local address") {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if hits.Load() != before {
				t.Error("the server was reached")
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("refusal took %s: retried or connected", took)
			}
		})
	}
}

func TestRedirectHopsAreRechecked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/literal":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/", http.StatusFound)
		case "/name":
			http.Redirect(w, r, "http://metadata.test/computeMetadata/v1/", http.StatusFound)
		case "/linklocal":
			http.Redirect(w, r, "http://[fe80::1]/", http.StatusMovedPermanently)
		}
	}))
	defer srv.Close()
	// A fake resolver: metadata.test resolves to the metadata address, as
	// metadata.google.internal does on GCP. The guarded dialer must refuse
	// it after resolution, on the redirect hop, before connecting.
	p := networkPolicy{allowPrivate: true}
	var resolved atomic.Int32
	tr := newTransport(p)
	d := p.dialer()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, _ := net.SplitHostPort(addr); host == "metadata.test" {
			resolved.Add(1)
			addr = net.JoinHostPort("169.254.169.254", port)
		}
		return d.DialContext(ctx, network, addr)
	}
	cases := []struct {
		path string
		opts FetchOptions
	}{
		{"/literal", FetchOptions{AllowPrivateNetworks: true}},
		{"/name", FetchOptions{AllowPrivateNetworks: true, Transport: tr}},
		{"/linklocal", FetchOptions{}},
	}
	for _, c := range cases {
		path := c.path
		c.opts.Retries, c.opts.Timeout = 2, 5*time.Second
		start := time.Now()
		_, err := fastFetcher(c.opts).Get(context.Background(), srv.URL+path, "")
		if !errors.Is(err, ErrRefusedAddress) {
			t.Errorf("%s: err = %v, want a refusal", path, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: refusal took %s", path, took)
		}
	}
	if resolved.Load() != 1 {
		t.Errorf("fake resolution ran %d times, want once (refusals are not retried)", resolved.Load())
	}
}

func TestRefusalNamesEmbeddedAddressAndIsAllowable(t *testing.T) {
	p := networkPolicy{publicOnly: true}
	err := p.check(netip.MustParseAddr("64:ff9b::7f00:1"))
	var re *RefusedError
	if !errors.As(err, &re) || !errors.Is(err, ErrRefusedAddress) || !re.Allowable() {
		t.Fatalf("check = %#v", err)
	}
	if want := "refused: private/link-local address 64:ff9b::7f00:1 (loopback 127.0.0.1 embedded by NAT64)"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	err = p.check(netip.MustParseAddr("169.254.169.254"))
	if !errors.As(err, &re) || re.Allowable() {
		t.Errorf("metadata refusal must not be allowable: %v", err)
	}
}

// The environment's proxy settings are never used: a proxy is dialled
// instead of the target, so the guard would judge the proxy.
func TestTransportIgnoresEnvironmentProxy(t *testing.T) {
	for _, p := range []networkPolicy{{}, {publicOnly: true}} {
		if tr := newTransport(p); tr.Proxy != nil {
			t.Fatalf("transport takes its proxy from the environment (HTTP_PROXY bypasses the guard)")
		}
	}
}

// With poll.proxy, the proxy may be on a private address, but the target
// is resolved and checked locally before anything is sent to the proxy.
func TestProxyChecksTargetLocally(t *testing.T) {
	var hits atomic.Int32
	var gotURL atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		gotURL.Store(r.URL.String())
		w.Write([]byte("via proxy"))
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	hosts := map[string][]netip.Addr{
		"status.vendor.example": {netip.MustParseAddr("93.184.216.34")},
		"internal.example":      {netip.MustParseAddr("93.184.216.35"), netip.MustParseAddr("10.0.0.5")},
		"nat64.example":         {netip.MustParseAddr("64:ff9b::a9fe:a9fe")},
	}
	lookup := func(_ context.Context, _, host string) ([]netip.Addr, error) {
		if a, ok := hosts[host]; ok {
			return a, nil
		}
		return nil, errors.New("no such host")
	}
	f := NewFetcher(FetchOptions{PublicOnly: true, Proxy: pu, LookupNetIP: lookup, Retries: -1})
	r, err := f.Get(context.Background(), "http://status.vendor.example/api/v2/summary.json", "")
	if err != nil || string(r.Body) != "via proxy" || gotURL.Load() != "http://status.vendor.example/api/v2/summary.json" {
		t.Fatalf("public target through a loopback proxy: %v, %v", r, err)
	}
	for _, target := range []string{"http://internal.example/", "http://nat64.example/", "http://127.0.0.1:9/", "http://unknown.example/"} {
		before := hits.Load()
		_, err := f.Get(context.Background(), target, "")
		if err == nil {
			t.Errorf("%s: fetched through the proxy", target)
		}
		if target != "http://unknown.example/" && !errors.Is(err, ErrRefusedAddress) {
			t.Errorf("%s: err = %v, want a refusal", target, err)
		}
		if hits.Load() != before {
			t.Errorf("%s: the proxy was reached", target)
		}
	}
}
