package alert

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"time"

	"github.com/upstat/upstat"
)

// RuleConfig is one entry of alerts.rules, as decoded from YAML.
type RuleConfig struct {
	// Name identifies the rule in alerts, metrics and logs; unique.
	Name string `yaml:"name"`
	// Vendors are vendor ids or globs (path.Match); empty means all.
	Vendors []string `yaml:"vendors"`
	// Components are component names or globs, matched against the name
	// and against "group/name"; each matching component is its own alert.
	// Empty means the vendor as a whole.
	Components []string `yaml:"components"`
	// Services are service ids or globs: the rule watches what those
	// services depend on (each dependency's vendor, or its components),
	// instead of Vendors and Components, which it then must not set. Its
	// alerts carry the label "services" naming the affected services.
	Services []string `yaml:"services"`
	// MinSeverity is the least severity that counts. Absent (the zero
	// value, operational) means degraded. Unknown never fires.
	MinSeverity upstat.Severity `yaml:"min_severity"`
	// For is how long the condition must hold before the alert fires, and
	// how long it must be gone before it resolves.
	For time.Duration `yaml:"for"`
	// Notify lists notifier ids.
	Notify []string `yaml:"notify"`
	// Labels are carried to every notifier (Alert.Labels).
	Labels map[string]string `yaml:"labels"`
	// IgnoreMaintenance (default true): the maintenance severity does not
	// count, and components under an active maintenance do not fire.
	IgnoreMaintenance *bool `yaml:"ignore_maintenance"`
	// OnStale makes this a staleness rule: it fires while a vendor's
	// sources have failed past their staleness window (upstat is blind),
	// whatever the vendor's severity. It takes no components/min_severity.
	OnStale bool `yaml:"on_stale"`
	// RepeatInterval re-sends a firing alert this often; 0 means never.
	RepeatInterval time.Duration `yaml:"repeat_interval"`
	// Signal chooses what the rule watches: "reported" (the default: the
	// vendor's own status and components), "observed" (upstat's probes
	// of the vendor failing), "any" (either) or "both" (both at once).
	// Observed is about whole vendors: a rule with components, services
	// or on_stale takes only reported.
	Signal Signal `yaml:"signal"`
	// SeveritySource selects the incidents whose severity counts for a
	// vendor rule by Incident.SeveritySource: "vendor" (only what the
	// vendor stated), "text" (only upstat's guesses from words) or "any"
	// (absent: every one). Component statuses are the vendor's own and
	// count under "vendor"; a rule on components takes no severity_source.
	SeveritySource string `yaml:"severity_source"`
}

// Values of RuleConfig.SeveritySource besides the severity sources.
const SeveritySourceAny = "any"

// NotifierSpec is one entry of alerts.notifiers.
type NotifierSpec struct {
	ID   string `yaml:"id"`
	Kind string `yaml:"kind"`
	// Decode decodes the whole entry (id, kind and the kind's options)
	// strictly into v: an unknown key is an error naming its line. Kinds
	// call it through DecodeOptions. Nil means the entry has no options.
	Decode func(v any) error `yaml:"-"`
}

// SpecFrom builds a NotifierSpec from a decoder of the whole notifier
// entry (the config package's NodeDecoder.Decode): it reads id and kind and
// keeps decode for the kind's options.
func SpecFrom(decode func(v any) error) (NotifierSpec, error) {
	var m map[string]any
	if err := decode(&m); err != nil {
		return NotifierSpec{}, err
	}
	id, _ := m["id"].(string)
	kind, _ := m["kind"].(string)
	return NotifierSpec{ID: id, Kind: kind, Decode: decode}, nil
}

// DecodeOptions decodes the kind-specific options of spec into a T,
// strictly. Errors wrap upstat.ErrInvalid.
func DecodeOptions[T any](spec NotifierSpec) (T, error) {
	var w struct {
		ID   string `yaml:"id"`
		Kind string `yaml:"kind"`
		Opts T      `yaml:",inline"`
	}
	if spec.Decode == nil {
		return w.Opts, nil
	}
	if err := spec.Decode(&w); err != nil {
		return w.Opts, fmt.Errorf("%w: notifier %q: %w", upstat.ErrInvalid, spec.ID, err)
	}
	return w.Opts, nil
}

// DecodeURLOptions is DecodeOptions for the kinds whose one required key is
// a URL (url names it in errors): it decodes, then checks the URL with
// CheckURL.
func DecodeURLOptions[T any](spec NotifierSpec, url func(T) Secret) (T, error) {
	o, err := DecodeOptions[T](spec)
	if err != nil {
		return o, err
	}
	return o, CheckURL(spec, "url", url(o).Reveal())
}

// RuleError is one problem of one rule. ValidateRules joins them.
type RuleError struct {
	Index int    // position in alerts.rules
	Rule  string // the rule's name, when it has one
	Key   string // the offending key ("notify", "min_severity")
	Msg   string
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("alerts.rules[%d] (%s): %s: %s", e.Index, e.Rule, e.Key, e.Msg)
}

// Unwrap makes every RuleError match upstat.ErrInvalid.
func (e *RuleError) Unwrap() error { return upstat.ErrInvalid }

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// ValidateRules checks rules against the configured notifier ids. It
// returns nil or the errors.Join of one *RuleError per problem, each naming
// the rule and the key.
func ValidateRules(rules []RuleConfig, notifierIDs []string) error {
	known := map[string]bool{}
	for _, id := range notifierIDs {
		known[id] = true
	}
	var errs []error
	names := map[string]int{}
	for i, r := range rules {
		bad := func(key, format string, args ...any) {
			errs = append(errs, &RuleError{Index: i, Rule: r.Name, Key: key, Msg: fmt.Sprintf(format, args...)})
		}
		if r.Name == "" {
			bad("name", "required")
		} else if j, dup := names[r.Name]; dup {
			bad("name", "duplicate of alerts.rules[%d]", j)
		} else {
			names[r.Name] = i
		}
		for _, p := range slices.Concat(r.Vendors, r.Components) {
			if _, err := path.Match(p, ""); err != nil {
				bad("vendors/components", "bad pattern %q", p)
			}
		}
		if err := r.Signal.validate(); err != nil {
			bad("signal", "%s", err)
		} else if r.Signal.usesObserved() && (len(r.Components) > 0 || r.OnStale || len(r.Services) > 0) {
			bad("signal", "%q is about whole vendors: a rule with components, services or on_stale takes only reported", r.Signal)
		}
		switch {
		case len(r.Services) > 0 && (len(r.Vendors) > 0 || len(r.Components) > 0):
			bad("services", "a services rule takes its vendors and components from the services: drop vendors/components")
		case r.OnStale && len(r.Components) > 0:
			bad("components", "an on_stale rule is about whole vendors")
		case r.OnStale && r.MinSeverity != upstat.Operational:
			bad("min_severity", "an on_stale rule takes no min_severity")
		case r.MinSeverity == upstat.Unknown:
			bad("min_severity", "unknown is not on the scale")
		case r.MinSeverity == upstat.Maintenance && r.ignoreMaintenance():
			bad("min_severity", "maintenance never fires with ignore_maintenance (the default): set it to false")
		}
		switch {
		case !slices.Contains([]string{"", SeveritySourceAny, upstat.SeverityFromVendor, upstat.SeverityFromText}, r.SeveritySource):
			bad("severity_source", "%q is not one of vendor, text, any", r.SeveritySource)
		case r.filtersSource() && (r.OnStale || len(r.Components) > 0):
			bad("severity_source", "only a rule on whole vendors selects incidents by severity_source (component statuses are the vendor's own)")
		}
		if r.For < 0 {
			bad("for", "negative duration")
		}
		if r.RepeatInterval < 0 {
			bad("repeat_interval", "negative duration")
		}
		if len(r.Notify) == 0 {
			bad("notify", "required: at least one notifier id")
		}
		for _, id := range r.Notify {
			if !known[id] {
				bad("notify", "unknown notifier %q", id)
			}
		}
		for k := range r.Labels {
			if !labelName.MatchString(k) {
				bad("labels", "label name %q must match %s", k, labelName)
			}
		}
	}
	return errors.Join(errs...)
}

func (r RuleConfig) ignoreMaintenance() bool {
	return r.IgnoreMaintenance == nil || *r.IgnoreMaintenance
}

// filtersSource reports whether r counts only some incidents by their
// severity_source.
func (r RuleConfig) filtersSource() bool {
	return r.SeveritySource != "" && r.SeveritySource != SeveritySourceAny
}

// countsIncident reports whether r counts inc's severity by its
// severity_source.
func (r RuleConfig) countsIncident(inc *upstat.Incident) bool {
	return !r.filtersSource() || inc.SeveritySource == r.SeveritySource
}

func (r RuleConfig) minSeverity() upstat.Severity {
	if r.MinSeverity == upstat.Operational {
		return upstat.Degraded
	}
	return r.MinSeverity
}
