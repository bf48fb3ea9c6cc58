package config

import (
	"reflect"
	"testing"

	"github.com/upstat/upstat"
)

func TestServices(t *testing.T) {
	const doc = `
vendors:
  - id: stripe
  - id: github
services:
  - id: checkout
    name: Checkout
    labels: {team: payments}
    depends_on:
      - stripe: ["API", "Checkout*"]
      - github: ["Git Operations", "API Requests"]
        impact: degraded
      - api.stripe.com
  - id: status
    depends_on:
      - github:
        impact: degraded
`
	c, err := Parse("services.yaml", []byte(doc), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []upstat.ServiceConfig{
		{ID: "checkout", Name: "Checkout", Labels: map[string]string{"team": "payments"}, DependsOn: []upstat.Dependency{
			{Vendor: "stripe", Components: []string{"API", "Checkout*"}, Impact: upstat.ImpactCritical},
			{Vendor: "github", Components: []string{"Git Operations", "API Requests"}, Impact: upstat.ImpactDegraded},
			{Vendor: "stripe", Host: "api.stripe.com", Impact: upstat.ImpactCritical},
		}},
		{ID: "status", Name: "status", DependsOn: []upstat.Dependency{{Vendor: "github", Impact: upstat.ImpactDegraded}}},
	}
	if got := c.ServiceConfigs(); !reflect.DeepEqual(got, want) {
		t.Errorf("services:\n got %+v\nwant %+v", got, want)
	}
}
