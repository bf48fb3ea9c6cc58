package config

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzLoadConfig checks that Parse never panics on any file and any
// environment, that every error it returns is a *FieldError naming the
// file, and that every configuration it accepts holds the invariants the
// rest of upstat relies on (validated ids, URLs and intervals).
func FuzzLoadConfig(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed configs: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	for _, seed := range []struct{ src, env string }{
		{"vendors: [{id: a, sources: [{kind: statuspage, url: 'http://x'}]}]", ""},
		{"api: {read_token: ${READ}, admin_token: '${ADMIN:-}'}\nvendors: [github]", "READ"},
		{"listen: ${L:-:8080}\npoll: {interval: ${I}}\nvendors: [{id: b, sources: [{kind: feed, url: ${U}}]}]", "I"},
		{"vendors:\n  - id: x\n    sources:\n      - kind: statuspage\n        url: http://h\n        interval: 0s", ""},
		{"&a [*a]", ""},
		{"vendors: {id: 1}", ""},
		{"---\n...\n", ""},
		{"\t- x", ""},
	} {
		f.Add([]byte(seed.src), seed.env)
	}
	f.Fuzz(func(t *testing.T, src []byte, setVar string) {
		// The environment holds one variable, set to a value that is itself
		// YAML-ish, so expansion is exercised both ways.
		lookup := func(name string) (string, bool) {
			if name == setVar {
				return "http://127.0.0.1:1/${" + name + "}", true
			}
			return "", false
		}
		c, err := Parse("fuzz.yaml", src, lookup)
		if err != nil {
			list := []error{err}
			var es *Errors
			if errors.As(err, &es) {
				list = es.List
				if len(list) < 2 || len(list) > MaxErrors {
					t.Fatalf("an error list of %d", len(list))
				}
			}
			for _, e := range list {
				var fe *FieldError
				if !errors.As(e, &fe) {
					t.Fatalf("error %T %q is not a *FieldError", e, e)
				}
				if fe.File != "fuzz.yaml" || fe.Key == "" || fe.Line < 0 {
					t.Fatalf("error %+v does not name the file and a key", fe)
				}
			}
			return
		}
		checkInvariants(t, c)
	})
}

// checkInvariants fails t unless c holds what validation promises.
func checkInvariants(t *testing.T, c *Config) {
	t.Helper()
	if c.Listen == "" || c.Storage == "" || c.Poll.Interval < time.Second || c.Poll.Timeout <= 0 || c.Poll.Concurrency < 1 {
		t.Fatalf("accepted without defaults: listen %q storage %q poll %+v", c.Listen, c.Storage, c.Poll)
	}
	if c.Poll.Interval > maxInterval || c.Poll.Timeout > maxTimeout || c.Poll.StaleAfter <= 0 || c.Poll.StaleAfter > maxStaleAfter {
		t.Fatalf("accepted absurd durations: poll %+v", c.Poll)
	}
	if strings.HasPrefix(c.Storage, "postgres://") || strings.HasPrefix(c.Storage, "postgresql://") {
		t.Fatalf("accepted storage %q", c.Storage)
	}
	if len(c.Vendors) == 0 {
		t.Fatal("accepted with no vendors")
	}
	seen := map[string]bool{}
	for _, v := range c.Vendors {
		if !vendorID.MatchString(v.ID) || seen[v.ID] || v.Name == "" || len(v.Sources) == 0 {
			t.Fatalf("accepted vendor %q (name %q, %d sources, duplicate %v)", v.ID, v.Name, len(v.Sources), seen[v.ID])
		}
		seen[v.ID] = true
		for _, s := range v.Sources {
			u, err := url.Parse(s.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("accepted source URL %q", s.URL)
			}
			if s.Interval < time.Second || s.Interval > maxInterval || s.Timeout <= 0 || s.Timeout > maxTimeout || strings.TrimSpace(s.Kind) == "" {
				t.Fatalf("accepted source %+v", s)
			}
		}
	}
}
