package config

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	_ "github.com/upstat/upstat/alert/webhook" // a real notifier kind for the alert sections
	"github.com/upstat/upstat/sources"
)

var update = flag.Bool("update", false, "rewrite the expected .err files")

type nopSource struct{}

func (nopSource) Poll(context.Context) (*upstat.Snapshot, error) { return &upstat.Snapshot{}, nil }

// Stand-ins for the real adapters, so config is tested on its own: one
// kind without options, one with strict options, one with a preset.
func init() {
	sources.Register(sources.Kind{Name: "statuspage", New: func(s sources.Spec, _ sources.Env) (sources.Source, error) {
		return nopSource{}, nil
	}})
	sources.Register(sources.Kind{Name: "feed", New: func(s sources.Spec, _ sources.Env) (sources.Source, error) {
		var o struct {
			Match []string `yaml:"match"`
		}
		if s.Decode != nil {
			if err := s.Decode(&o); err != nil {
				return nil, err
			}
		}
		return nopSource{}, nil
	}})
	sources.Register(sources.Kind{Name: "html", New: func(s sources.Spec, _ sources.Env) (sources.Source, error) {
		var o struct {
			Preset string `yaml:"preset"`
		}
		if s.Decode != nil {
			if err := s.Decode(&o); err != nil {
				return nil, err
			}
		}
		if o.Preset != "emoji-headings" {
			return nil, errors.New("unknown preset")
		}
		return nopSource{}, nil
	}})
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestSpecExample(t *testing.T) {
	b, err := os.ReadFile("testdata/valid-spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("testdata/valid-spec.yaml", b, env(map[string]string{
		"UPSTAT_ADMIN_TOKEN": "s3cret", "OPS_WEBHOOK_URL": "https://hooks.example.test/x",
	}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.API.AdminToken != "s3cret" || c.API.ReadToken != "" {
		t.Errorf("tokens not expanded: read=%q admin=%q", c.API.ReadToken, c.API.AdminToken)
	}
	if c.Metrics.ComponentSeriesOn() {
		t.Error("metrics.component_series: false was not read")
	}
	if (Metrics{}).ComponentSeriesOn() != true {
		t.Error("component series must default to on")
	}
	if c.Poll.Interval != time.Minute || c.Poll.StaleAfter != 10*time.Minute {
		t.Errorf("poll = %+v", c.Poll)
	}
	if got := len(c.Vendors); got != 4 {
		t.Fatalf("vendors = %d, want 4", got)
	}
	gh := c.Vendors[0]
	if gh.Labels["tier"] != "critical" || gh.Components.Rename["API Requests"] != "API" || len(gh.Components.Ignore) != 1 {
		t.Errorf("github = %+v", gh)
	}
	if s := gh.Sources[0]; s.Interval != time.Minute || s.Timeout != 15*time.Second {
		t.Errorf("source defaults not applied: %+v", s)
	}
	cf := c.Vendors[3]
	if cf.Name != "Cloudflare" || len(cf.Sources) != 1 || cf.Sources[0].URL != "https://www.cloudflarestatus.com" {
		t.Errorf("catalogue vendor not resolved: %+v", cf)
	}
	var feed struct {
		Match []string `yaml:"match"`
	}
	if err := c.Vendors[1].Sources[0].Spec("intervals").Decode(&feed); err != nil || len(feed.Match) != 3 {
		t.Errorf("feed options = %v, %v", feed, err)
	}
	if n := c.Notifiers(); len(n) != 1 {
		t.Fatalf("notifiers = %d", len(n))
	} else {
		var nf struct {
			ID   string `yaml:"id"`
			Kind string `yaml:"kind"`
			URL  string `yaml:"url"`
		}
		if err := n[0].Decode(&nf); err != nil || nf.URL != "https://hooks.example.test/x" {
			t.Errorf("notifier = %+v, %v", nf, err)
		}
	}
}

func TestEnvDefaultSyntax(t *testing.T) {
	src := "listen: ${LISTEN:-0.0.0.0:9000}\nvendors:\n  - id: github\n"
	c, err := Parse("x.yaml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:9000" {
		t.Errorf("listen = %q", c.Listen)
	}
	c, err = Parse("x.yaml", []byte(src), env(map[string]string{"LISTEN": "127.0.0.1:1"}))
	if err != nil || c.Listen != "127.0.0.1:1" {
		t.Errorf("listen = %q, %v", c.Listen, err)
	}
}

// TestInvalid pairs every testdata/invalid-*.yaml with its exact error.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid configs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			if err == nil {
				t.Fatal("loaded without error")
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error is not a FieldError: %T %v", err, err)
			}
			want := strings.TrimSuffix(f, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(want, []byte(err.Error()+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, rerr := os.ReadFile(want)
			if rerr != nil {
				t.Fatalf("missing %s (run with -update): %v", want, rerr)
			}
			if got := err.Error(); got != strings.TrimSpace(string(b)) {
				t.Errorf("error:\n got  %s\n want %s", got, strings.TrimSpace(string(b)))
			}
		})
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	if len(c.Vendors) < 20 {
		t.Fatalf("default set has %d vendors, want about 20", len(c.Vendors))
	}
	if err := c.validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
}

// A PostgreSQL storage URL is accepted (several replicas share it); a
// malformed one is refused without repeating its password.
func TestStoragePostgres(t *testing.T) {
	src := "storage: ${PG}\nvendors:\n  - id: github\n"
	for _, dsn := range []string{"postgres://upstat:s3cr3t@db.internal:5432/upstat?sslmode=require", "postgresql://upstat@db.internal/upstat"} {
		c, err := Parse("x.yaml", []byte(src), env(map[string]string{"PG": dsn}))
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if c.Storage != dsn {
			t.Errorf("storage = %q, want %q", c.Storage, dsn)
		}
	}
	_, err := Parse("x.yaml", []byte(src), env(map[string]string{"PG": "postgres://upstat:s3cr3t@[db/upstat"}))
	if err == nil || !strings.Contains(err.Error(), "x.yaml:1: storage: malformed PostgreSQL URL") {
		t.Fatalf("err = %v, want a malformed URL at x.yaml:1", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error repeats the password: %v", err)
	}
}

func TestClusterDefaults(t *testing.T) {
	const src = "vendors:\n  - id: acme\n    sources:\n      - kind: statuspage\n        url: https://status.acme.example\n"
	c, err := Parse("x.yaml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cluster.LeaseTTL != 30*time.Second || c.Cluster.Heartbeat != 10*time.Second || c.Cluster.ReplicaID != "" {
		t.Fatalf("cluster defaults = %+v, want lease_ttl 30s, heartbeat 10s (ttl/3), replica_id unset", c.Cluster)
	}
	c, err = Parse("x.yaml", []byte("cluster:\n  lease_ttl: 9s\n  replica_id: web-1.eu\n"+src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cluster.Heartbeat != 3*time.Second || c.Cluster.ReplicaID != "web-1.eu" {
		t.Fatalf("cluster = %+v, want heartbeat 3s from lease_ttl 9s", c.Cluster)
	}
}
