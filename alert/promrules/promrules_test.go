// Package promrules tests the example prometheus-rules.yml at the
// repository root: it must parse as a Prometheus rule file, its
// expressions must be well-formed PromQL over metrics upstat exports, and
// its annotation templates must execute.
package promrules

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat/internal/promql"
)

const path = "../../prometheus-rules.yml"

// ruleFile mirrors Prometheus's rulefmt.RuleGroups.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Limit    int    `yaml:"limit"`
		Rules    []struct {
			Alert         string            `yaml:"alert"`
			Record        string            `yaml:"record"`
			Expr          string            `yaml:"expr"`
			For           string            `yaml:"for"`
			KeepFiringFor string            `yaml:"keep_firing_for"`
			Labels        map[string]string `yaml:"labels"`
			Annotations   map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

var (
	durationRe = promql.DurationRe
	labelRe    = promql.LabelRe
)

// checkExpr checks a rule's expression over the metrics upstat exports.
func checkExpr(expr string) error { return promql.Check(expr, promql.Exported) }

func TestRuleFile(t *testing.T) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Groups) == 0 {
		t.Fatal("no groups")
	}
	groups, alerts := map[string]bool{}, 0
	for _, g := range f.Groups {
		if g.Name == "" || groups[g.Name] {
			t.Errorf("group name %q empty or repeated", g.Name)
		}
		groups[g.Name] = true
		for i, r := range g.Rules {
			where := fmt.Sprintf("%s rule %d (%s%s)", g.Name, i, r.Alert, r.Record)
			if (r.Alert == "") == (r.Record == "") {
				t.Errorf("%s: exactly one of alert and record", where)
			}
			if r.Record != "" && (r.For != "" || len(r.Annotations) > 0) {
				t.Errorf("%s: a recording rule takes no for or annotations", where)
			}
			if r.Alert != "" {
				alerts++
				if !labelRe.MatchString(r.Alert) {
					t.Errorf("%s: invalid alert name", where)
				}
			}
			for _, d := range []string{r.For, r.KeepFiringFor} {
				if d != "" && (d == "0" || !durationRe.MatchString(d)) {
					t.Errorf("%s: bad duration %q", where, d)
				}
			}
			for k := range r.Labels {
				if !labelRe.MatchString(k) {
					t.Errorf("%s: bad label name %q", where, k)
				}
			}
			if err := checkExpr(r.Expr); err != nil {
				t.Errorf("%s: expr %q: %v", where, r.Expr, err)
			}
			for k, v := range r.Annotations {
				if err := checkTemplate(v); err != nil {
					t.Errorf("%s: annotation %s: %v", where, k, err)
				}
			}
		}
	}
	if alerts == 0 {
		t.Error("no alerting rules")
	}
}

// checkTemplate executes an annotation as Prometheus would: text/template
// with $labels and $value defined.
func checkTemplate(text string) error {
	const defs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$value := .Value}}"
	funcs := template.FuncMap{"humanize": fmt.Sprint, "humanizeDuration": fmt.Sprint, "humanizePercentage": fmt.Sprint,
		"title": strings.ToTitle, "toUpper": strings.ToUpper, "toLower": strings.ToLower}
	tmpl, err := template.New("a").Option("missingkey=zero").Funcs(funcs).Parse(defs + text)
	if err != nil {
		return err
	}
	data := map[string]any{"Labels": map[string]string{"vendor": "stripe", "component": "API", "notifier": "ops"},
		"ExternalLabels": map[string]string{}, "Value": 4.0}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return err
	}
	if strings.Contains(out.String(), "<no value>") {
		return fmt.Errorf("refers to something undefined: %q", out.String())
	}
	return nil
}

func TestCheckTemplateRejects(t *testing.T) {
	if err := checkTemplate("{{ $labels.vendor }"); err == nil {
		t.Error("a broken template passed")
	}
}
