package config

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// Probe defaults and bounds.
const (
	DefaultProbeInterval     = 60 * time.Second
	DefaultProbeTimeout      = 10 * time.Second
	DefaultProbeFailAfter    = 3
	DefaultProbeRecoverAfter = 2
	// MinProbeInterval keeps probes from hammering a vendor.
	MinProbeInterval = 10 * time.Second
)

// Probe is one of upstat's own checks of a vendor's endpoint:
// kind http (url, method GET or HEAD, expect_status, expect_body), tcp
// (address host:port) or dns (host).
type Probe struct {
	Name         string        `yaml:"name"`
	Kind         string        `yaml:"kind"`
	URL          string        `yaml:"url"`
	Method       string        `yaml:"method"`
	ExpectStatus []int         `yaml:"expect_status"`
	ExpectBody   string        `yaml:"expect_body"`
	Address      string        `yaml:"address"`
	Host         string        `yaml:"host"`
	Interval     time.Duration `yaml:"interval"`
	Timeout      time.Duration `yaml:"timeout"`
	FailAfter    int           `yaml:"fail_after"`
	RecoverAfter int           `yaml:"recover_after"`

	line int
}

// Target is what the probe checks: its url, address or host.
func (p *Probe) Target() string {
	switch p.Kind {
	case "tcp":
		return p.Address
	case "dns":
		return p.Host
	}
	return p.URL
}

func (p *Probe) setDefaults() {
	if p.Interval == 0 {
		p.Interval = DefaultProbeInterval
	}
	if p.Timeout == 0 {
		p.Timeout = min(DefaultProbeTimeout, p.Interval)
	}
	if p.FailAfter == 0 {
		p.FailAfter = DefaultProbeFailAfter
	}
	if p.RecoverAfter == 0 {
		p.RecoverAfter = DefaultProbeRecoverAfter
	}
	if p.Kind == "http" && p.Method == "" {
		p.Method = http.MethodGet
	}
}

var probeName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// validateProbes checks a vendor's probes: unique names, a known kind with
// the target it needs (and only that), sane thresholds and an interval of
// at least MinProbeInterval.
func (c *Config) validateProbes(errs *errorList, v *Vendor, vkey string) {
	seen := map[string]bool{}
	for i := range v.Probes {
		p := &v.Probes[i]
		key := fmt.Sprintf("%s.probes[%d]", vkey, i)
		bad := func(field, format string, args ...any) {
			errs.add(c.fieldErr(p.line, key+field, format, args...))
		}
		switch {
		case !probeName.MatchString(p.Name):
			bad(".name", "%q must match [a-zA-Z0-9._-]+", p.Name)
		case seen[p.Name]:
			bad(".name", "duplicate probe name %q", p.Name)
		}
		seen[p.Name] = true
		want := map[string]string{"http": "url", "tcp": "address", "dns": "host"}[p.Kind]
		if want == "" {
			bad(".kind", "unknown probe kind %q (known: dns, http, tcp)", p.Kind)
			continue
		}
		for _, t := range []struct{ key, val string }{{"url", p.URL}, {"address", p.Address}, {"host", p.Host}} {
			if t.key != want && t.val != "" {
				bad("."+t.key, "a %s probe takes %s, not %s", p.Kind, want, t.key)
			}
		}
		switch p.Kind {
		case "http":
			u, err := url.Parse(p.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad(".url", "%q is not an http(s) URL", p.URL)
			}
			if p.Method != http.MethodGet && p.Method != http.MethodHead {
				bad(".method", "%q: want GET or HEAD", p.Method)
			}
			if p.ExpectBody != "" && p.Method == http.MethodHead {
				bad(".expect_body", "a HEAD answer has no body")
			}
			for _, code := range p.ExpectStatus {
				if code < 100 || code > 599 {
					bad(".expect_status", "%d is not an HTTP status", code)
				}
			}
		case "tcp":
			if host, port, err := net.SplitHostPort(p.Address); err != nil || host == "" || port == "" {
				bad(".address", "%q: want host:port", p.Address)
			}
		case "dns":
			if p.Host == "" {
				bad(".host", "required")
			}
		}
		if p.Kind != "http" && (p.Method != "" || len(p.ExpectStatus) > 0 || p.ExpectBody != "") {
			bad(".kind", "method, expect_status and expect_body are for http probes")
		}
		if p.Interval < MinProbeInterval {
			bad(".interval", "must be at least %s, got %s", MinProbeInterval, p.Interval)
		}
		if p.Timeout <= 0 || p.Timeout > p.Interval {
			bad(".timeout", "must be positive and at most the interval (%s), got %s", p.Interval, p.Timeout)
		}
		if p.FailAfter < 1 || p.FailAfter > 100 || p.RecoverAfter < 1 || p.RecoverAfter > 100 {
			bad("", "fail_after and recover_after must be 1 to 100")
		}
	}
}
