// Package promrules tests the example prometheus-rules.yml at the
// repository root: it must parse as a Prometheus rule file, its
// expressions must be well-formed PromQL over metrics upstat exports, and
// its annotation templates must execute.
package promrules

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
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

// metrics upstat exports (SPEC "Metrics" and the alert engine), plus up.
var metrics = map[string]bool{
	"upstat_vendor_status": true, "upstat_component_status": true, "upstat_vendor_stale": true,
	"upstat_active_incidents": true, "upstat_poll_duration_seconds": true, "upstat_poll_errors_total": true,
	"upstat_alerts_firing": true, "upstat_notifications_total": true, "up": true,
}

var (
	durationRe = regexp.MustCompile(`^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$`)
	nameRe     = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelRe    = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

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

var (
	functions = map[string]bool{
		"abs": true, "absent": true, "absent_over_time": true, "avg_over_time": true, "ceil": true, "changes": true,
		"clamp_max": true, "clamp_min": true, "count_over_time": true, "delta": true, "deriv": true, "floor": true,
		"histogram_quantile": true, "increase": true, "irate": true, "last_over_time": true, "max_over_time": true,
		"min_over_time": true, "rate": true, "resets": true, "round": true, "time": true, "timestamp": true, "vector": true,
		"sum": true, "min": true, "max": true, "avg": true, "count": true, "stddev": true, "topk": true, "bottomk": true,
		"quantile": true, "count_values": true, "group": true,
	}
	keywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true}
	grouping = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}
)

// checkExpr checks what promtool would most likely catch: balanced
// brackets, well-formed label matchers and range durations, known
// functions, and metric names that upstat exports.
func checkExpr(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return fmt.Errorf("empty")
	}
	toks, err := lex(expr)
	if err != nil {
		return err
	}
	var stack []string
	for i := 0; i < len(toks); i++ {
		tok, next := toks[i], ""
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		switch {
		case tok == "(":
			stack = append(stack, ")")
		case tok == "{":
			n, err := matchers(toks[i+1:])
			if err != nil {
				return err
			}
			i += n
		case tok == "[":
			if i+2 >= len(toks) || !durationRe.MatchString(toks[i+1]) || toks[i+2] != "]" {
				return fmt.Errorf("bad range at %q", strings.Join(toks[i:min(i+3, len(toks))], ""))
			}
			i += 2
		case tok == ")":
			if len(stack) == 0 || stack[len(stack)-1] != tok {
				return fmt.Errorf("unbalanced %q", tok)
			}
			stack = stack[:len(stack)-1]
		case tok == "]" || tok == "}":
			return fmt.Errorf("unbalanced %q", tok)
		case grouping[tok]:
			if next != "(" {
				if tok == "group_left" || tok == "group_right" {
					continue
				}
				return fmt.Errorf("%s without a label list", tok)
			}
			j := i + 2
			for ; j < len(toks) && toks[j] != ")"; j++ {
				if toks[j] != "," && !labelRe.MatchString(toks[j]) {
					return fmt.Errorf("bad label %q in %s(...)", toks[j], tok)
				}
			}
			i = j
		case keywords[tok]:
		case nameRe.MatchString(tok):
			if next == "(" || next == "by" || next == "without" {
				if !functions[tok] {
					return fmt.Errorf("unknown function %q", tok)
				}
			} else if !metrics[tok] {
				return fmt.Errorf("unknown metric %q", tok)
			}
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed bracket")
	}
	return nil
}

// matchers checks `name op "value", ... }` and returns how many tokens it
// consumed, the closing brace included.
func matchers(toks []string) (int, error) {
	for i := 0; i < len(toks); {
		if toks[i] == "}" {
			return i + 1, nil
		}
		if i+2 >= len(toks) || !labelRe.MatchString(toks[i]) || !map[string]bool{"=": true, "!=": true, "=~": true, "!~": true}[toks[i+1]] || !isString(toks[i+2]) {
			return 0, fmt.Errorf("bad label matcher at %q", strings.Join(toks[i:min(i+3, len(toks))], ""))
		}
		if toks[i+1] == "=~" || toks[i+1] == "!~" {
			if _, err := regexp.Compile(toks[i+2][1 : len(toks[i+2])-1]); err != nil {
				return 0, fmt.Errorf("bad regexp: %w", err)
			}
		}
		i += 3
		if i < len(toks) && toks[i] == "," {
			i++
		}
	}
	return 0, fmt.Errorf("unclosed {")
}

func isString(tok string) bool {
	return len(tok) >= 2 && strings.ContainsAny(tok[:1], `"'`+"`") && tok[len(tok)-1] == tok[0]
}

// lex splits a PromQL expression into tokens: strings, names, numbers or
// durations, operators and brackets.
func lex(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string")
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		case strings.IndexByte("(){}[],", c) >= 0:
			toks = append(toks, string(c))
			i++
		case strings.IndexByte("=!<>~+-*/%^", c) >= 0:
			j := i + 1
			for j < len(s) && strings.IndexByte("=~", s[j]) >= 0 {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == ':' || s[j] == '.' || 'a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z' || '0' <= s[j] && s[j] <= '9') {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected %q", c)
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

func TestCheckExprRejects(t *testing.T) {
	for _, expr := range []string{
		"", "upstat_vendor_status{vendor=stripe} > 1", "upstat_vendor_staus == 1", "rate(upstat_poll_errors_total[5x])",
		"sum(upstat_vendor_status", "upstat_vendor_status)", "frobnicate(upstat_vendor_status)", `up{job=~"(("}`,
	} {
		if err := checkExpr(expr); err == nil {
			t.Errorf("checkExpr(%q) = nil, want an error", expr)
		}
	}
	if err := checkTemplate("{{ $labels.vendor }"); err == nil {
		t.Error("a broken template passed")
	}
}
