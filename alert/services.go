package alert

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/upstat/upstat"
)

// ValidateServices checks that every services pattern of the rules names
// at least one of the configured services. It returns nil or the
// errors.Join of one *RuleError per pattern that matches none.
func ValidateServices(rules []RuleConfig, services []upstat.ServiceConfig) error {
	var errs []error
	for i, r := range rules {
		for _, p := range r.Services {
			if !slices.ContainsFunc(services, func(s upstat.ServiceConfig) bool { return matchAny([]string{p}, s.ID) }) {
				errs = append(errs, &RuleError{Index: i, Rule: r.Name, Key: "services",
					Msg: fmt.Sprintf("%q names no configured service", p)})
			}
		}
	}
	return errors.Join(errs...)
}

// selections returns the rules to evaluate against vendor v for rule r: r
// itself when it selects vendors (and v is one of them); for a services
// rule, one copy per dependency of a selected service on v, with that
// dependency's components and the label "services" naming every selected
// service the vendor (or component set) affects.
func selections(r *RuleConfig, services []upstat.ServiceConfig, v string) []*RuleConfig {
	if len(r.Services) == 0 {
		if matchAny(r.Vendors, v) {
			return []*RuleConfig{r}
		}
		return nil
	}
	affected := map[string][]string{} // component globs (joined) → service ids
	var order []string
	globs := map[string][]string{}
	for _, s := range services {
		if !matchAny(r.Services, s.ID) {
			continue
		}
		for _, d := range s.DependsOn {
			if d.Vendor != v {
				continue
			}
			k := strings.Join(d.Components, "\x00")
			if _, ok := affected[k]; !ok {
				order = append(order, k)
				globs[k] = d.Components
			}
			if !slices.Contains(affected[k], s.ID) {
				affected[k] = append(affected[k], s.ID)
			}
		}
	}
	out := make([]*RuleConfig, 0, len(order))
	for _, k := range order {
		sel := *r
		sel.Vendors, sel.Components = []string{v}, globs[k]
		sel.Labels = maps.Clone(r.Labels)
		if sel.Labels == nil {
			sel.Labels = map[string]string{}
		}
		sel.Labels["services"] = strings.Join(affected[k], ",")
		out = append(out, &sel)
	}
	return out
}
