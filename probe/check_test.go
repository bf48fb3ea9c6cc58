package probe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat/sources"
)

// local is a checker allowed to reach 127.0.0.1 (the test servers).
func local() *Checker {
	return NewChecker(sources.NewNetPolicy(true, true), func(_ context.Context, _, host string) ([]netip.Addr, error) {
		if host == "api.acme.test" {
			return []netip.Addr{netip.MustParseAddr("192.0.2.10")}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	})
}

func TestCheckHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			_, _ = w.Write([]byte(`{"status":"ok"}`))
		case "/moved":
			http.Redirect(w, r, "/health", http.StatusFound)
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c := local()
	for _, tc := range []struct {
		spec Spec
		err  string // "" for success
	}{
		{Spec{Target: srv.URL + "/health"}, ""},
		{Spec{Target: srv.URL + "/health", Method: http.MethodHead}, ""},
		{Spec{Target: srv.URL + "/health", ExpectBody: `"status":"ok"`}, ""},
		{Spec{Target: srv.URL + "/health", ExpectBody: "healthy"}, `body lacks "healthy"`},
		{Spec{Target: srv.URL + "/down"}, "http 503"},
		{Spec{Target: srv.URL + "/down", ExpectStatus: []int{503}}, ""},
		{Spec{Target: srv.URL + "/moved"}, ""},                                   // a 302 is an answer
		{Spec{Target: srv.URL + "/moved", ExpectStatus: []int{200}}, "http 302"}, // not followed
	} {
		tc.spec.Kind, tc.spec.Timeout = KindHTTP, 5*time.Second
		err := c.Check(context.Background(), &tc.spec)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s %s expect %v %q: err %v, want %q", tc.spec.Method, tc.spec.Target, tc.spec.ExpectStatus, tc.spec.ExpectBody, err, tc.err)
		}
	}
}

func TestCheckTCPAndDNS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	c := local()
	spec := Spec{Kind: KindTCP, Target: ln.Addr().String(), Timeout: 5 * time.Second}
	if err := c.Check(context.Background(), &spec); err != nil {
		t.Fatalf("tcp to a listener: %v", err)
	}
	ln.Close()
	spec.Target = closed
	if err := c.Check(context.Background(), &spec); err == nil {
		t.Fatal("tcp to a closed port succeeded")
	}
	dns := Spec{Kind: KindDNS, Target: "api.acme.test", Timeout: time.Second}
	if err := c.Check(context.Background(), &dns); err != nil {
		t.Fatalf("dns: %v", err)
	}
	dns.Target = "nx.acme.test"
	if err := c.Check(context.Background(), &dns); err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Fatalf("dns of a missing name: %v", err)
	}
}

// TestCheckAddressPolicy: probes obey the sources' outbound policy, so a
// probe cannot be pointed at loopback or the cloud metadata address.
func TestCheckAddressPolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	public := NewChecker(sources.NewNetPolicy(true, false), nil)
	for _, spec := range []Spec{
		{Kind: KindHTTP, Target: srv.URL},
		{Kind: KindTCP, Target: srv.Listener.Addr().String()},
		{Kind: KindTCP, Target: "169.254.169.254:80"},
	} {
		spec.Timeout = 5 * time.Second
		if err := public.Check(context.Background(), &spec); !errors.Is(err, sources.ErrRefusedAddress) {
			t.Errorf("%s %s: %v, want a refused address", spec.Kind, spec.Target, err)
		}
	}
}
