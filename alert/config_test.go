package alert

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat"
)

func TestRuleConfigYAML(t *testing.T) {
	const doc = `
- name: payments-down
  vendors: [stripe]
  components: ["API"]
  min_severity: partial_outage
  for: 2m
  notify: [ops]
  labels: {tier: critical}
  ignore_maintenance: false
  repeat_interval: 4h
- name: scraper-blind
  on_stale: true
  for: 15m
  notify: [ops]
`
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	var rules []RuleConfig
	if err := dec.Decode(&rules); err != nil {
		t.Fatal(err)
	}
	r := rules[0]
	if r.MinSeverity != upstat.PartialOutage || r.For != 2*time.Minute || r.RepeatInterval != 4*time.Hour ||
		r.IgnoreMaintenance == nil || *r.IgnoreMaintenance || r.Labels["tier"] != "critical" || r.ignoreMaintenance() {
		t.Fatalf("decoded %+v", r)
	}
	if !rules[1].OnStale || !rules[1].ignoreMaintenance() || rules[1].minSeverity() != upstat.Degraded {
		t.Fatalf("decoded %+v", rules[1])
	}
	if err := ValidateRules(rules, []string{"ops"}); err != nil {
		t.Fatal(err)
	}
	bad := yaml.NewDecoder(strings.NewReader("- name: x\n  min_severity: terrible\n"))
	if err := bad.Decode(&rules); err == nil || !strings.Contains(err.Error(), `unknown severity "terrible"`) {
		t.Fatalf("bad severity: %v", err)
	}
}

func TestSpecFromAndDecodeOptions(t *testing.T) {
	const doc = "id: ops\nkind: webhook\nurl: https://example.com/hook\n"
	decode := func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(doc))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
	spec, err := SpecFrom(decode)
	if err != nil || spec.ID != "ops" || spec.Kind != "webhook" {
		t.Fatalf("SpecFrom = %+v, %v", spec, err)
	}
	type opts struct {
		URL Secret `yaml:"url"`
	}
	o, err := DecodeOptions[opts](spec)
	if err != nil || o.URL.Reveal() != "https://example.com/hook" || o.URL.String() != "[redacted]" {
		t.Fatalf("DecodeOptions = %+v, %v", o, err)
	}
	type strict struct {
		Other string `yaml:"other"`
	}
	if _, err := DecodeOptions[strict](spec); err == nil || !strings.Contains(err.Error(), "field url not found") {
		t.Fatalf("unknown key accepted: %v", err)
	}
}
