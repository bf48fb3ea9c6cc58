package sources

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
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
	}
	for _, c := range cases {
		ip := netip.MustParseAddr(c.ip)
		if got := addressClass(ip); got != c.class {
			t.Errorf("addressClass(%s) = %q, want %q", c.ip, got, c.class)
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
