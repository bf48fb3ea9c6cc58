package upstat

import (
	"encoding/json"
	"testing"
)

func TestSeverityJSONRoundTrip(t *testing.T) {
	for _, s := range append([]Severity{Unknown}, Severities...) {
		b, err := json.Marshal(struct{ S Severity }{s})
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"S":"` + s.String() + `"}`; string(b) != want {
			t.Errorf("Marshal(%v) = %s, want %s", s, b, want)
		}
		var back struct{ S Severity }
		if err := json.Unmarshal(b, &back); err != nil || back.S != s {
			t.Errorf("round trip of %v = %v, %v", s, back.S, err)
		}
	}
	// Out-of-range values still encode, as "severity(N)".
	if b, _ := json.Marshal(Severity(9)); string(b) != `"severity(9)"` {
		t.Errorf("Marshal(9) = %s", b)
	}
	if err := json.Unmarshal([]byte(`"on_fire"`), new(Severity)); err == nil {
		t.Error("unknown name decoded")
	}
}

func TestSeverityOrderAndWorse(t *testing.T) {
	for i := 1; i < len(Severities); i++ {
		if !(Severities[i-1] < Severities[i]) {
			t.Fatalf("scale out of order at %d", i)
		}
	}
	if Worse(Unknown, Operational) != Operational || Worse(Degraded, MajorOutage) != MajorOutage {
		t.Error("Worse")
	}
}

func BenchmarkSeverityJSON(b *testing.B) {
	comps := make([]Component, 470)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(comps); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEventCarries(t *testing.T) {
	cases := []struct {
		typ      EventType
		from, to bool
	}{
		{EventVendorStatusChanged, true, true},
		{EventComponentStatusChanged, true, true},
		{EventIncidentUpdated, true, true},
		{EventIncidentResolved, true, true},
		{EventIncidentOpened, false, true},
		{EventVendorStale, false, true},
		{EventVendorRecovered, false, false},
	}
	for _, c := range cases {
		if from, to := (Event{Type: c.typ}).Carries(); from != c.from || to != c.to {
			t.Errorf("%s carries (%v, %v), want (%v, %v)", c.typ, from, to, c.from, c.to)
		}
	}
}

// TestSummaryTotals: the overall status is the worst among vendors with
// data; vendors without data are counted apart, never read as healthy.
func TestSummaryTotals(t *testing.T) {
	for _, tc := range []struct {
		name        string
		in          []Severity
		want        Severity
		wantUnknown int
	}{
		{"no vendors", nil, Operational, 0},
		{"all operational", []Severity{Operational, Operational}, Operational, 0},
		{"worst wins", []Severity{Degraded, MajorOutage, Maintenance}, MajorOutage, 0},
		{"unknown counted apart", []Severity{Unknown, Operational, Unknown}, Operational, 2},
		{"unknown below an outage", []Severity{Unknown, PartialOutage}, PartialOutage, 1},
		{"all unknown", []Severity{Unknown, Unknown}, Unknown, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tot SummaryTotals
			for _, s := range tc.in {
				tot.Add(s)
			}
			if tot.Status() != tc.want || tot.Unknown != tc.wantUnknown || tot.Vendors != len(tc.in) {
				t.Errorf("status %s, unknown %d, vendors %d; want %s, %d, %d", tot.Status(), tot.Unknown, tot.Vendors, tc.want, tc.wantUnknown, len(tc.in))
			}
		})
	}
}
