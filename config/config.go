// Package config loads upstat's YAML configuration: strictly (an unknown
// key is an error), with ${VAR} expansion from the environment, defaults
// set in one place, and validation whose errors name the file, the line
// and the key.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/poll"
	"github.com/upstat/upstat/redact"
	"github.com/upstat/upstat/sources"
)

// Config is a whole configuration file.
type Config struct {
	Listen  string    `yaml:"listen"`
	Storage string    `yaml:"storage"`
	API     APIConfig `yaml:"api"`
	Poll    Poll      `yaml:"poll"`
	Vendors []Vendor  `yaml:"vendors"`
	// Services are the team's own services and the vendors they depend
	// on (see package services).
	Services []Service `yaml:"services"`
	Alerts   Alerts    `yaml:"alerts"`
	Metrics  Metrics   `yaml:"metrics"`
	Limits   Limits    `yaml:"limits"`
	// Retention is how long resolved incidents and events are kept.
	Retention time.Duration `yaml:"retention"`
	Cluster   Cluster       `yaml:"cluster"`

	// File is the path the config was read from ("" for built-in).
	File string `yaml:"-"`
	// root is the parsed document, for the line of a key found bad after
	// decoding, while Parse validates (nil afterwards, and for a Config
	// built in code).
	root *yaml.Node
	// AlertRules and NotifierSpecs are alerts.rules and alerts.notifiers,
	// decoded and validated at load.
	AlertRules    []alert.RuleConfig   `yaml:"-"`
	NotifierSpecs []alert.NotifierSpec `yaml:"-"`
}

// APIConfig holds the API tokens. They are secrets: never log them.
type APIConfig struct {
	ReadToken  string `yaml:"read_token"`
	AdminToken string `yaml:"admin_token"`
}

// Cluster configures how replicas sharing a PostgreSQL store split the
// polling (leases per vendor) and the alert evaluation. A single replica
// on SQLite ignores it.
type Cluster struct {
	// LeaseTTL is how long a replica's heartbeat and leases last: a dead
	// replica's vendors are taken over within it. Default 30s.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// Heartbeat is how often leases are renewed; default lease_ttl/3.
	Heartbeat time.Duration `yaml:"heartbeat"`
	// ReplicaID names this replica, unique in the cluster; default
	// hostname-pid (chosen at start, by the app).
	ReplicaID string `yaml:"replica_id"`
}

// Metrics configures /metrics.
type Metrics struct {
	// ComponentSeries exports upstat_component_status, one series per
	// component (default true). At thousands of vendors that is hundreds of
	// thousands of series; set false to keep only the per-vendor ones.
	ComponentSeries *bool `yaml:"component_series"`
}

// ComponentSeriesOn reports whether per-component series are exported.
func (m Metrics) ComponentSeriesOn() bool { return m.ComponentSeries == nil || *m.ComponentSeries }

// Limits bound what one vendor may make upstat store.
type Limits struct {
	// MaxActiveIncidents caps a vendor's open incidents: a poll that
	// would exceed it fails and stores nothing.
	MaxActiveIncidents int `yaml:"max_active_incidents"`
}

// Poll holds polling defaults; a source may override interval and timeout.
type Poll struct {
	Interval     time.Duration `yaml:"interval"`
	Timeout      time.Duration `yaml:"timeout"`
	StaleAfter   time.Duration `yaml:"stale_after"`
	MaxBodyBytes int64         `yaml:"max_body_bytes"`
	Concurrency  int           `yaml:"concurrency"`
	// Tick is the scheduler's granularity: polls due within one tick
	// start together (one wake-up for many polls), at most a tick late.
	Tick time.Duration `yaml:"tick"`
	// AllowPrivateNetworks lets sources point at private and link-local
	// addresses (off by default).
	AllowPrivateNetworks bool `yaml:"allow_private_networks"`
	// Proxy is an http(s) proxy URL every fetch goes through; empty for
	// none. HTTP_PROXY and HTTPS_PROXY from the environment are never
	// used. The proxy may be on a private address; the targets are still
	// checked (see sources.FetchOptions.Proxy).
	Proxy string `yaml:"proxy"`
}

// ProxyURL returns poll.proxy parsed, nil when unset. Load has checked it.
func (p Poll) ProxyURL() *url.URL {
	if p.Proxy == "" {
		return nil
	}
	u, err := url.Parse(p.Proxy)
	if err != nil {
		return nil
	}
	return u
}

// Vendor is one watched vendor.
type Vendor struct {
	ID          string                                `yaml:"id"`
	Name        string                                `yaml:"name"`
	Labels      map[string]string                     `yaml:"labels"`
	Sources     []Source                              `yaml:"sources"`
	Components  Components                            `yaml:"components"`
	SeverityMap map[string]map[string]upstat.Severity `yaml:"severity_map"`
	// Interval is the default interval of the vendor's sources (a
	// catalogue vendor's one source, named by id alone).
	Interval time.Duration `yaml:"interval"`
	// Probes are upstat's own checks of the vendor's endpoints.
	Probes []Probe `yaml:"probes"`

	line int
}

// Components holds per-vendor component rules.
type Components struct {
	Ignore []string          `yaml:"ignore"`
	Rename map[string]string `yaml:"rename"`
}

// Source is one source of a vendor. Keys other than kind, url, interval
// and timeout are the adapter's own options, decoded by the adapter.
type Source struct {
	Kind     string        `yaml:"kind"`
	URL      string        `yaml:"url"`
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
	// WebhookSecret, when set, lets the vendor push to
	// POST /api/v1/hooks/{vendor} for this source (kinds with a webhook
	// decoder only). A secret: never log it.
	WebhookSecret string `yaml:"webhook_secret"`

	options *options
	decoded *bool
	// hasWebhookSecret is true when the key is present, even empty.
	hasWebhookSecret bool
	path             string
	line             int
	file             string
}

// UnmarshalYAML keeps the adapter's options aside for the adapter.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a source must be a mapping", n.Line)
	}
	common := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	opts := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "kind", "url", "interval", "timeout", "webhook_secret":
			common.Content = append(common.Content, n.Content[i], n.Content[i+1])
			s.hasWebhookSecret = s.hasWebhookSecret || n.Content[i].Value == "webhook_secret"
		default:
			opts.Content = append(opts.Content, n.Content[i], n.Content[i+1])
		}
	}
	type plain Source
	var p plain
	if err := common.Decode(&p); err != nil {
		return err
	}
	has := s.hasWebhookSecret
	*s = Source(p)
	s.line, s.hasWebhookSecret = n.Line, has
	if len(opts.Content) > 0 {
		s.options = newOptions(opts)
	}
	return nil
}

// Spec returns the source as the sources registry takes it. Its Decode
// decodes the adapter's options strictly, with errors naming file, line
// and key.
func (s *Source) Spec(vendor string) sources.Spec {
	spec := sources.Spec{Kind: s.Kind, URL: s.URL, Vendor: vendor}
	if s.options != nil {
		opts, d, path := s.options, decoder{file: s.file}, s.path
		decoded := new(bool)
		s.decoded = decoded
		spec.Decode = func(v any) error {
			*decoded = true
			return d.decode(opts.node(), path, v)
		}
	}
	return spec
}

// Alerts holds alert rules and notifiers. They are decoded by the alert
// package (see Rules and Notifiers).
type Alerts struct {
	Rules     []yaml.Node `yaml:"rules"`
	Notifiers []yaml.Node `yaml:"notifiers"`
}

// Defaults, in one place.
const (
	DefaultListen      = "127.0.0.1:8080"
	DefaultStorage     = "sqlite:upstat.db"
	DefaultInterval    = 60 * time.Second
	DefaultTimeout     = 15 * time.Second
	DefaultStaleAfter  = 10 * time.Minute
	DefaultConcurrency = 64
	// DefaultMaxActiveIncidents is limits.max_active_incidents.
	DefaultMaxActiveIncidents = 200
	// DefaultRetention is retention: 400 days.
	DefaultRetention = 400 * 24 * time.Hour
	DefaultTick      = poll.DefaultTick
	DefaultLeaseTTL  = 30 * time.Second
)

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Storage == "" {
		c.Storage = DefaultStorage
	}
	if c.Poll.Interval == 0 {
		c.Poll.Interval = DefaultInterval
	}
	if c.Poll.Timeout == 0 {
		c.Poll.Timeout = DefaultTimeout
	}
	if c.Poll.StaleAfter == 0 {
		c.Poll.StaleAfter = DefaultStaleAfter
	}
	if c.Poll.MaxBodyBytes == 0 {
		c.Poll.MaxBodyBytes = sources.DefaultMaxBody
	}
	if c.Poll.Concurrency == 0 {
		c.Poll.Concurrency = DefaultConcurrency
	}
	if c.Limits.MaxActiveIncidents == 0 {
		c.Limits.MaxActiveIncidents = DefaultMaxActiveIncidents
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.Poll.Tick == 0 {
		c.Poll.Tick = DefaultTick
	}
	if c.Cluster.LeaseTTL == 0 {
		c.Cluster.LeaseTTL = DefaultLeaseTTL
	}
	if c.Cluster.Heartbeat == 0 {
		c.Cluster.Heartbeat = c.Cluster.LeaseTTL / 3
	}
	for i := range c.Vendors {
		v := &c.Vendors[i]
		for j := range v.Sources {
			s := &v.Sources[j]
			if s.Interval == 0 {
				s.Interval = c.Poll.Interval
			}
			if s.Timeout == 0 {
				s.Timeout = c.Poll.Timeout
			}
		}
		for j := range v.Probes {
			v.Probes[j].setDefaults()
		}
	}
}

// Load reads, expands, decodes, defaults and validates the file at path.
// Every error names the file, and where it can the line and the key.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, b, os.LookupEnv)
}

// Parse is Load on bytes already read; lookup resolves ${VAR}.
func Parse(file string, b []byte, lookup func(string) (string, bool)) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, syntaxError(file, err)
	}
	if root.Kind == 0 {
		return nil, &FieldError{File: file, Line: 1, Key: "(document)", Msg: "empty configuration"}
	}
	var errs errorList
	expand(&root, lookup, decoder{file: file}, "", &errs)
	d := decoder{file: file}
	c := &Config{File: file}
	// Unknown keys are reported, and the rest is still decoded and
	// validated, so one run names every mistake (a mistyped key first,
	// then what it leaves missing). A value of the wrong type stops here.
	checkErr := d.check(&root, "", reflect.TypeOf(c))
	errs.add(checkErr)
	if err := root.Decode(c); err != nil {
		if checkErr == nil { // else the check has said what is wrong
			errs.add(d.wrapDecodeError(&root, "", err))
		}
		return nil, errs.err()
	}
	if errs.full() {
		return nil, errs.err()
	}
	c.root = &root
	c.annotate(&root)
	c.resolveCatalogue()
	c.setDefaults()
	errs.add(c.validate())
	// The document was needed for the lines of keys found bad; the Config
	// lives as long as the process, and at 10,000 sources the tree held
	// ~25 MB.
	c.root = nil
	if err := errs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

func syntaxError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if strings.HasPrefix(msg, "line ") {
		if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		}
	}
	return &FieldError{File: file, Line: line, Key: "(syntax)", Msg: msg}
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${VAR} and ${VAR:-default} in scalar values. An unset
// variable without a default is an error naming the line, the key and the
// variable (a typo must not leave a token empty, and the API open);
// ${VAR:-} says "empty on purpose".
func expand(n *yaml.Node, lookup func(string) (string, bool), d decoder, path string, errs *errorList) {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "${") {
			n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
				m := envRef.FindStringSubmatch(ref)
				if v, ok := lookup(m[1]); ok {
					return v
				}
				if m[2] == "" {
					errs.add(d.errf(n, path, "environment variable %s is not set (write ${%s:-} for an empty default)", m[1], m[1]))
				}
				return m[3]
			})
			if n.Tag == "!!null" || n.Tag == "" {
				n.Tag = "!!str"
			}
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expand(c, lookup, d, path, errs)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expand(c, lookup, d, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			expand(n.Content[i], lookup, d, join(path, n.Content[i-1].Value), errs)
		}
	}
}

// annotate records where each vendor and source sits in the file, for
// errors found after decoding.
func (c *Config) annotate(root *yaml.Node) {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if svcs := mapValue(doc, "services"); svcs != nil && svcs.Kind == yaml.SequenceNode {
		for i, sn := range svcs.Content {
			if i < len(c.Services) {
				c.Services[i].line = sn.Line
			}
		}
	}
	vendors := mapValue(doc, "vendors")
	if vendors == nil || vendors.Kind != yaml.SequenceNode {
		return
	}
	for i, vn := range vendors.Content {
		if i >= len(c.Vendors) {
			break
		}
		v := &c.Vendors[i]
		v.line = vn.Line
		if probes := mapValue(vn, "probes"); probes != nil {
			for j := range v.Probes {
				if j < len(probes.Content) {
					v.Probes[j].line = probes.Content[j].Line
				}
			}
		}
		srcs := mapValue(vn, "sources")
		for j := range v.Sources {
			s := &v.Sources[j]
			s.file = c.File
			s.path = fmt.Sprintf("vendors[%d].sources[%d]", i, j)
			if srcs != nil && j < len(srcs.Content) {
				s.line = srcs.Content[j].Line
			}
		}
	}
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

var vendorID = regexp.MustCompile(`^[a-z0-9-]+$`)

// fieldErr builds an error at key; a line of 0 is looked up from the key
// when it is a plain dotted path ("poll.timeout") present in the file.
func (c *Config) fieldErr(line int, key, format string, args ...any) error {
	if line == 0 {
		line = c.lineOf(key)
	}
	return &FieldError{File: c.File, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// lineOf returns the line of a dotted key of mappings in the file, 0 when
// it is not written there.
func (c *Config) lineOf(key string) int {
	n := c.root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, k := range strings.Split(key, ".") {
		if n == nil || n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				line, next = n.Content[i].Line, n.Content[i+1]
				break
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return line
}

// Bounds on durations: beyond them a value is a mistake, not a choice.
const (
	maxInterval   = 24 * time.Hour
	maxTimeout    = 10 * time.Minute
	maxStaleAfter = 30 * 24 * time.Hour
	maxLeaseTTL   = 10 * time.Minute
)

// isPostgres reports whether storage names a PostgreSQL database.
func isPostgres(storage string) bool {
	return strings.HasPrefix(storage, "postgres://") || strings.HasPrefix(storage, "postgresql://")
}

var replicaID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// validate checks the whole configuration and returns every problem found
// (up to MaxErrors), in file order.
func (c *Config) validate() error {
	var errs errorList
	bad := func(line int, key, format string, args ...any) {
		errs.add(c.fieldErr(line, key, format, args...))
	}
	if isPostgres(c.Storage) {
		if _, err := url.Parse(c.Storage); err != nil {
			// The URL may hold a password: say what is wrong, never echo it.
			bad(0, "storage", "malformed PostgreSQL URL (want postgres://user@host:port/database?sslmode=…)")
		}
	}
	c.validateDuration(&errs, 0, "poll.interval", c.Poll.Interval, time.Second, maxInterval)
	c.validateDuration(&errs, 0, "poll.timeout", c.Poll.Timeout, time.Millisecond, maxTimeout)
	c.validateDuration(&errs, 0, "poll.stale_after", c.Poll.StaleAfter, time.Second, maxStaleAfter)
	if c.Poll.Concurrency < 1 {
		bad(0, "poll.concurrency", "must be at least 1")
	}
	if c.Poll.MaxBodyBytes < 0 {
		bad(0, "poll.max_body_bytes", "must be positive")
	}
	if c.Poll.Proxy != "" {
		if u, err := url.Parse(c.Poll.Proxy); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(0, "poll.proxy", "%q is not an http(s) URL", redact.URL(c.Poll.Proxy))
		}
	}
	c.validateDuration(&errs, 0, "cluster.lease_ttl", c.Cluster.LeaseTTL, 3*time.Second, maxLeaseTTL)
	c.validateDuration(&errs, 0, "cluster.heartbeat", c.Cluster.Heartbeat, 100*time.Millisecond, max(c.Cluster.LeaseTTL/2, 100*time.Millisecond))
	if c.Cluster.ReplicaID != "" && !replicaID.MatchString(c.Cluster.ReplicaID) {
		bad(0, "cluster.replica_id", "%q must match [A-Za-z0-9._-]{1,100}", c.Cluster.ReplicaID)
	}
	if c.Limits.MaxActiveIncidents < 1 {
		return c.fieldErr(0, "limits.max_active_incidents", "must be at least 1")
	}
	if c.Retention < 24*time.Hour {
		return c.fieldErr(0, "retention", "must be at least 24h, got %s", c.Retention)
	}
	if c.Poll.Tick < 10*time.Millisecond || c.Poll.Tick > time.Second {
		return c.fieldErr(0, "poll.tick", "must be from 10ms to 1s, got %s", c.Poll.Tick)
	}
	if len(c.Vendors) == 0 {
		bad(0, "vendors", "no vendors configured")
	}
	seen := map[string]bool{}
	for i := range c.Vendors {
		v := &c.Vendors[i]
		key := fmt.Sprintf("vendors[%d]", i)
		if !vendorID.MatchString(v.ID) {
			bad(v.line, key+".id", "%q must match [a-z0-9-]+", v.ID)
		} else if seen[v.ID] {
			bad(v.line, key+".id", "duplicate vendor id %q", v.ID)
		}
		seen[v.ID] = true
		if v.Name == "" {
			v.Name = v.ID
		}
		if len(v.Sources) == 0 {
			bad(v.line, key+".sources", "vendor %q has no sources and is not in the built-in catalogue", v.ID)
		}
		if _, err := normalize.NewMapper(v.SeverityMap); err != nil {
			bad(v.line, key+".severity_map", "%s", strings.TrimPrefix(err.Error(), "invalid: "))
		}
		for j := range v.Sources {
			errs.add(c.validateSource(v, fmt.Sprintf("%s.sources[%d]", key, j), &v.Sources[j]))
		}
		c.validateProbes(&errs, v, key)
		if err := (normalize.ComponentRules{Ignore: v.Components.Ignore, Rename: v.Components.Rename}).Validate(); err != nil {
			bad(v.line, key+".components", "%s", strings.TrimPrefix(err.Error(), "invalid: "))
		}
	}
	errs.add(c.validateServices())
	errs.add(c.validateAlerts())
	return errs.err()
}

// validateDuration checks that d lies in [least, most].
func (c *Config) validateDuration(errs *errorList, line int, key string, d, least, most time.Duration) {
	switch {
	case d < 0:
		errs.add(c.fieldErr(line, key, "must not be negative, got %s", d))
	case d < least:
		errs.add(c.fieldErr(line, key, "must be at least %s, got %s", least, d))
	case d > most:
		errs.add(c.fieldErr(line, key, "must be at most %s, got %s", most, d))
	}
}

// validateSource checks one source: its kind, its options (an unknown
// option is reported before a missing or bad url, since a mistyped "urll:"
// is why the url is missing), its url and its durations.
func (c *Config) validateSource(v *Vendor, key string, s *Source) error {
	var errs errorList
	if _, ok := sources.Lookup(s.Kind); !ok {
		errs.add(c.fieldErr(s.line, key+".kind", "unknown source kind %q (known: %s)", s.Kind, strings.Join(sources.Kinds(), ", ")))
		return errs.err()
	}
	u, perr := url.Parse(s.URL)
	urlOK := perr == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	spec := s.Spec(v.ID)
	if !urlOK {
		// Let the adapter decode its options even so: its unknown-key
		// errors come first.
		spec.URL = "https://url.invalid/"
	}
	_, newErr := sources.New(spec, sources.Env{Fetcher: sources.NewFetcher(sources.FetchOptions{}), Now: time.Now})
	var fe *FieldError
	var list *Errors
	switch {
	case errors.As(newErr, &list):
		errs.add(list)
		fe = &FieldError{}
	case errors.As(newErr, &fe):
		errs.add(fe)
	}
	if s.options != nil && (s.decoded == nil || !*s.decoded) {
		k, line := s.options.firstKey()
		errs.add(c.fieldErr(line, key+"."+k, "unknown key %q (source kind %q takes no options)", k, s.Kind))
	}
	if err := s.validateWebhookSecret(); err != nil {
		errs.add(c.fieldErr(s.line, key+".webhook_secret", "%s", err))
	}
	if !urlOK {
		errs.add(c.fieldErr(s.line, key+".url", "%q is not an http(s) URL", redact.URL(s.URL)))
	} else if newErr != nil && fe == nil {
		errs.add(c.fieldErr(s.line, key, "%s", newErr))
	}
	c.validateDuration(&errs, s.line, key+".interval", s.Interval, time.Second, maxInterval)
	c.validateDuration(&errs, s.line, key+".timeout", s.Timeout, time.Millisecond, maxTimeout)
	return errs.err()
}

// validateAlerts decodes alerts.notifiers and alerts.rules, builds every
// notifier once (so a bad URL or a missing key stops startup) and checks
// the rules against the notifier ids.
func (c *Config) validateAlerts() error {
	c.NotifierSpecs, c.AlertRules = nil, nil
	var errs errorList
	var ids []string
	for _, nd := range c.Notifiers() {
		spec, err := alert.SpecFrom(nd.Decode)
		if err != nil {
			errs.add(asFieldError(err, nd))
			continue
		}
		if _, err := alert.NewNotifier(spec, alert.Env{}); err != nil {
			errs.add(asFieldError(err, nd))
		}
		c.NotifierSpecs = append(c.NotifierSpecs, spec)
		ids = append(ids, spec.ID)
	}
	rules := c.Rules()
	for _, nd := range rules {
		var r alert.RuleConfig
		if err := nd.Decode(&r); err != nil {
			errs.add(err)
			continue
		}
		c.AlertRules = append(c.AlertRules, r)
		for _, pat := range r.Vendors {
			if !c.anyVendorMatches(pat) {
				errs.add(nd.Fail("vendors", fmt.Sprintf("no configured vendor matches %q", pat)))
			}
		}
	}
	if len(c.AlertRules) < len(rules) {
		return errs.err() // rule indexes no longer line up with the file
	}
	var list []error
	for _, err := range []error{alert.ValidateRules(c.AlertRules, ids), alert.ValidateServices(c.AlertRules, c.ServiceConfigs())} {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			list = append(list, joined.Unwrap()...)
		} else if err != nil {
			list = append(list, err)
		}
	}
	for _, e := range list {
		var re *alert.RuleError
		if errors.As(e, &re) && re.Index >= 0 && re.Index < len(rules) {
			errs.add(rules[re.Index].Fail(re.Key, re.Msg))
		} else {
			errs.add(&FieldError{File: c.File, Key: "alerts.rules", Msg: e.Error()})
		}
	}
	return errs.err()
}

// anyVendorMatches reports whether a rule's vendor id or glob names at
// least one configured vendor: a rule that can never fire is a mistake.
func (c *Config) anyVendorMatches(pattern string) bool {
	for _, v := range c.Vendors {
		if ok, _ := path.Match(pattern, v.ID); ok {
			return true
		}
	}
	return false
}

// asFieldError keeps an error that already names its place, and pins any
// other to the config entry it came from.
func asFieldError(err error, nd NodeDecoder) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe
	}
	return nd.Fail("", strings.TrimPrefix(err.Error(), "invalid: "))
}

// Rules returns the decode functions for each alert rule entry: the alert
// package decodes them into its own types. path is the key for errors.
func (c *Config) Rules() []NodeDecoder { return c.nodeDecoders(c.Alerts.Rules, "alerts.rules") }

// Notifiers returns the decode functions for each notifier entry.
func (c *Config) Notifiers() []NodeDecoder {
	return c.nodeDecoders(c.Alerts.Notifiers, "alerts.notifiers")
}

// NodeDecoder decodes one config entry strictly into v.
type NodeDecoder struct {
	Path string
	Line int
	// Decode decodes the whole entry; errors name file, line and key.
	Decode func(v any) error
	// Fail builds an error at this entry for a problem found later.
	Fail func(key, msg string) error
}

func (c *Config) nodeDecoders(nodes []yaml.Node, base string) []NodeDecoder {
	out := make([]NodeDecoder, len(nodes))
	d := decoder{file: c.File}
	for i := range nodes {
		n := &nodes[i]
		path := fmt.Sprintf("%s[%d]", base, i)
		out[i] = NodeDecoder{
			Path:   path,
			Line:   n.Line,
			Decode: func(v any) error { return d.decode(n, path, v) },
			Fail: func(key, msg string) error {
				line := n.Line
				if v := mapValue(n, key); v != nil {
					line = v.Line
				}
				return &FieldError{File: c.File, Line: line, Key: join(path, key), Msg: msg}
			},
		}
	}
	return out
}

func sortStrings(s []string) { sort.Strings(s) }

// Complete finishes a Config built in code (the demo, tests): catalogue
// lookups, defaults and validation, as Load does for a file.
func (c *Config) Complete() error {
	if c.File == "" {
		c.File = "(built-in)"
	}
	for i := range c.Vendors {
		for j := range c.Vendors[i].Sources {
			s := &c.Vendors[i].Sources[j]
			s.file = c.File
			s.path = fmt.Sprintf("vendors[%d].sources[%d]", i, j)
		}
	}
	c.resolveCatalogue()
	c.setDefaults()
	return c.validate()
}

// AdHocSource builds a source from the command line: a kind, a URL and
// options written "key=value" (values in YAML, so "match=[outage, down]"
// is a list). Option errors name the option.
func AdHocSource(kind, rawURL string, options []string) (*Source, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "kind: %q\nurl: %q\n", kind, rawURL)
	for _, o := range options {
		k, v, ok := strings.Cut(o, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, &FieldError{File: "(command line)", Key: "--option", Msg: fmt.Sprintf("%q is not key=value", o)}
		}
		fmt.Fprintf(&b, "%s: %s\n", strings.TrimSpace(k), v)
	}
	var s Source
	if err := yaml.Unmarshal([]byte(b.String()), &s); err != nil {
		return nil, &FieldError{File: "(command line)", Key: "--option", Msg: err.Error()}
	}
	s.file, s.path = "(command line)", "source"
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &FieldError{File: "(command line)", Key: "url", Msg: fmt.Sprintf("%q is not an http(s) URL", rawURL)}
	}
	if _, ok := sources.Lookup(kind); !ok {
		return nil, &FieldError{File: "(command line)", Key: "kind", Msg: fmt.Sprintf("unknown source kind %q (known: %s)", kind, strings.Join(sources.Kinds(), ", "))}
	}
	return &s, nil
}

// Fingerprint identifies the source's settings: two sources with the same
// fingerprint poll the same way (a reload keeps such a source running).
func (s *Source) Fingerprint() string {
	opts := ""
	if s.options != nil {
		if b, err := yaml.Marshal(s.options.node()); err == nil {
			opts = string(b)
		}
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s", s.Kind, s.URL, s.Interval, s.Timeout, opts)
}

// AlertsFingerprint identifies the alerts section as written (after
// ${VAR} expansion).
func (c *Config) AlertsFingerprint() string {
	var b strings.Builder
	for _, group := range [][]yaml.Node{c.Alerts.Rules, c.Alerts.Notifiers} {
		for i := range group {
			out, err := yaml.Marshal(&group[i])
			if err != nil {
				return fmt.Sprintf("unmarshalable:%p", &group[i])
			}
			b.Write(out)
			b.WriteString("\n---\n")
		}
		b.WriteString("\n===\n")
	}
	return b.String()
}

// SourceWithOptions builds a source in code (the demo, tests) with
// kind-specific options, decoded as strictly as options from a file.
func SourceWithOptions(kind, rawURL string, options map[string]any) (Source, error) {
	doc := map[string]any{"kind": kind, "url": rawURL}
	for k, v := range options {
		doc[k] = v
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return Source{}, fmt.Errorf("config: source options: %w", err)
	}
	var s Source
	if err := yaml.Unmarshal(b, &s); err != nil {
		return Source{}, fmt.Errorf("config: source options: %w", err)
	}
	return s, nil
}
