package config

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/catalogue"
)

// Service is one of the team's own services: its status is derived from
// the vendors it depends on (package services).
type Service struct {
	ID        string            `yaml:"id"`
	Name      string            `yaml:"name"`
	Labels    map[string]string `yaml:"labels"`
	DependsOn []DependsOn       `yaml:"depends_on"`

	line int
}

// DependsOn is one entry of a service's depends_on, written as a vendor
// ("stripe"), a hostname resolved through the catalogue's domains
// ("api.stripe.com"), or a mapping of one of those to component globs,
// with an optional impact:
//
//   - stripe
//   - api.stripe.com
//   - stripe: ["API", "Checkout*"]
//   - aws: ["EC2 (us-east-1)"]
//     impact: degraded
type DependsOn struct {
	// Vendor is the vendor as written: an id, or a hostname.
	Vendor     string
	Components []string
	Impact     upstat.Impact

	line   int
	id     string // the configured vendor it resolved to
	byHost bool
}

// UnmarshalYAML reads the three forms of a dependency.
func (d *DependsOn) UnmarshalYAML(n *yaml.Node) error {
	d.line = n.Line
	switch n.Kind {
	case yaml.ScalarNode:
		d.Vendor = n.Value
		return nil
	case yaml.MappingNode:
	default:
		return fmt.Errorf("line %d: a dependency is a vendor id, a hostname, or a mapping of one to component globs", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "impact" {
			if err := v.Decode(&d.Impact); err != nil {
				return fmt.Errorf("line %d: impact: %w", v.Line, err)
			}
			continue
		}
		if d.Vendor != "" {
			return fmt.Errorf("line %d: a dependency names one vendor, got %q and %q", k.Line, d.Vendor, k.Value)
		}
		d.Vendor = k.Value
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue
		}
		if v.Kind != yaml.SequenceNode {
			return fmt.Errorf("line %d: %s: want a list of component names or globs", v.Line, k.Value)
		}
		if err := v.Decode(&d.Components); err != nil {
			return fmt.Errorf("line %d: %s: %w", v.Line, k.Value, err)
		}
	}
	if d.Vendor == "" {
		return fmt.Errorf("line %d: the dependency names no vendor", n.Line)
	}
	return nil
}

// validateServices checks the services against the configured vendors and
// resolves hostnames through the catalogue. Unknown vendors and hostnames
// no configured vendor owns are errors; component globs cannot be checked
// before the first poll (the service then shows a warning).
func (c *Config) validateServices() error {
	vendors := map[string]bool{}
	for _, v := range c.Vendors {
		vendors[v.ID] = true
	}
	var errs errorList
	seen := map[string]bool{}
	for i := range c.Services {
		s := &c.Services[i]
		key := fmt.Sprintf("services[%d]", i)
		switch {
		case !vendorID.MatchString(s.ID):
			errs.add(c.fieldErr(s.line, key+".id", "%q must match [a-z0-9-]+", s.ID))
		case seen[s.ID]:
			errs.add(c.fieldErr(s.line, key+".id", "duplicate service id %q", s.ID))
		case len(s.DependsOn) == 0:
			errs.add(c.fieldErr(s.line, key+".depends_on", "service %q depends on nothing", s.ID))
		}
		seen[s.ID] = true
		if s.Name == "" {
			s.Name = s.ID
		}
		for j := range s.DependsOn {
			errs.add(c.validateDependency(&s.DependsOn[j], fmt.Sprintf("%s.depends_on[%d]", key, j), vendors))
		}
	}
	return errs.err()
}

// validateDependency checks one dependency and resolves its vendor.
func (c *Config) validateDependency(d *DependsOn, key string, vendors map[string]bool) error {
	if d.Impact == "" {
		d.Impact = upstat.ImpactCritical
	}
	if d.Impact != upstat.ImpactCritical && d.Impact != upstat.ImpactDegraded {
		return c.fieldErr(d.line, key+".impact", "%q is not critical or degraded", d.Impact)
	}
	for _, g := range d.Components {
		if _, err := path.Match(g, ""); err != nil || strings.TrimSpace(g) == "" {
			return c.fieldErr(d.line, key, "bad component glob %q", g)
		}
	}
	id, byHost, err := resolveDependency(d.Vendor, vendors)
	if err != nil {
		return c.fieldErr(d.line, key, "%s", err)
	}
	d.id, d.byHost = id, byHost
	return nil
}

// resolveDependency finds the configured vendor a dependency names: by id,
// or (a name with a dot) by hostname through the catalogue's domains.
func resolveDependency(name string, configured map[string]bool) (id string, byHost bool, err error) {
	if configured[name] {
		return name, false, nil
	}
	known := slices.Sorted(func(yield func(string) bool) {
		for k := range configured {
			if !yield(k) {
				return
			}
		}
	})
	if !strings.Contains(name, ".") {
		return "", false, fmt.Errorf("unknown vendor %q (configured: %s)", name, strings.Join(known, ", "))
	}
	cat, err := catalogue.Default()
	if err != nil {
		return "", false, fmt.Errorf("hostname %q: catalogue: %w", name, err)
	}
	e, _, ok := cat.MatchHost(name)
	if !ok {
		return "", false, fmt.Errorf("hostname %q belongs to no vendor of the catalogue; name a configured vendor (%s)", name, strings.Join(known, ", "))
	}
	if !configured[e.ID] {
		return "", false, fmt.Errorf("hostname %q is vendor %q, which is not configured (add it to vendors)", name, e.ID)
	}
	return e.ID, true, nil
}

// ServiceConfigs returns the validated services as package services takes
// them: hostnames resolved to vendor ids.
func (c *Config) ServiceConfigs() []upstat.ServiceConfig {
	out := make([]upstat.ServiceConfig, 0, len(c.Services))
	for _, s := range c.Services {
		sc := upstat.ServiceConfig{ID: s.ID, Name: s.Name, Labels: s.Labels}
		for _, d := range s.DependsOn {
			dep := upstat.Dependency{Vendor: d.id, Components: slices.Clone(d.Components), Impact: d.Impact}
			if d.byHost {
				dep.Host = d.Vendor
			}
			sc.DependsOn = append(sc.DependsOn, dep)
		}
		out = append(out, sc)
	}
	return out
}
