// Package promql checks PromQL expressions the way promtool most likely
// would, without Prometheus as a dependency: balanced brackets,
// well-formed label matchers and range durations, known functions, and
// metric names from a given set. The tests of every artefact that holds
// PromQL (prometheus-rules.yml, the Grafana dashboard) share it, with
// Exported as the set of metrics upstat serves.
package promql

import (
	"fmt"
	"regexp"
	"strings"
)

// Exported names every metric upstat serves on /metrics (SPEC "Metrics",
// the api's collector, the poller and the alert engine), plus Prometheus's
// own up.
var Exported = map[string]bool{
	"upstat_vendor_status": true, "upstat_component_status": true, "upstat_vendor_stale": true,
	"upstat_active_incidents": true, "upstat_vendor_info": true, "upstat_build_info": true,
	"upstat_poll_duration_seconds": true, "upstat_poll_duration_seconds_bucket": true,
	"upstat_poll_duration_seconds_sum": true, "upstat_poll_duration_seconds_count": true,
	"upstat_poll_errors_total": true, "upstat_polls_total": true,
	"upstat_alerts_firing": true, "upstat_notifications_total": true, "up": true,
}

// Patterns of PromQL names, exported for checks of what surrounds an
// expression (rule names, label names, durations).
var (
	DurationRe = regexp.MustCompile(`^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$`)
	NameRe     = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	LabelRe    = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

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

// Check checks expr: balanced brackets, well-formed label matchers and
// range durations, known functions, and metric names in metrics.
func Check(expr string, metrics map[string]bool) error {
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
			if i+2 >= len(toks) || !DurationRe.MatchString(toks[i+1]) || toks[i+2] != "]" {
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
				if toks[j] != "," && !LabelRe.MatchString(toks[j]) {
					return fmt.Errorf("bad label %q in %s(...)", toks[j], tok)
				}
			}
			i = j
		case keywords[tok]:
		case NameRe.MatchString(tok):
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
		if i+2 >= len(toks) || !LabelRe.MatchString(toks[i]) || !map[string]bool{"=": true, "!=": true, "=~": true, "!~": true}[toks[i+1]] || !isString(toks[i+2]) {
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
