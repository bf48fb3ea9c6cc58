package normalize

import (
	"errors"
	"testing"

	"github.com/upstat/upstat"
)

func TestMapperDefaults(t *testing.T) {
	cases := []struct {
		domain, native string
		want           upstat.Severity
		ok             bool
	}{
		{DomainComponent, "operational", op, true},
		{DomainComponent, "under_maintenance", mnt, true},
		{DomainComponent, "degraded_performance", deg, true},
		{DomainComponent, "partial_outage", par, true},
		{DomainComponent, "major_outage", maj, true},
		{DomainComponent, " Major_Outage ", maj, true},
		{DomainComponent, "MAJOR_OUTAGE", maj, true},
		{DomainComponent, "broken", op, false},
		{DomainImpact, "none", op, true},
		{DomainImpact, "minor", deg, true},
		{DomainImpact, "major", par, true},
		{DomainImpact, "critical", maj, true},
		{DomainImpact, "maintenance", mnt, true},
		{DomainIndicator, "Critical", maj, true},
		{DomainIndicator, "minor", deg, true},
		{DomainEmoji, "🔴", maj, true},
		{DomainEmoji, "🟠", par, true},
		{DomainEmoji, "🟡", deg, true},
		{DomainEmoji, "🔵", op, true},
		{DomainEmoji, "🟢", op, true},
		{"nonsense-domain", "none", op, false},
	}
	plain, err := NewMapper(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Mapper{nil, plain} {
		for _, c := range cases {
			got, ok := m.Map(c.domain, c.native)
			if ok != c.ok || (ok && got != c.want) {
				t.Errorf("(%p).Map(%q, %q) = %v, %v; want %v, %v", m, c.domain, c.native, got, ok, c.want, c.ok)
			}
		}
	}
}

func TestMapperOverrides(t *testing.T) {
	m, err := NewMapper(map[string]map[string]upstat.Severity{
		DomainImpact: {"minor": upstat.PartialOutage, "security": upstat.MajorOutage},
		DomainEmoji:  {"🔵": upstat.Maintenance},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		domain, native string
		want           upstat.Severity
	}{
		{DomainImpact, "minor", par},    // overridden
		{DomainImpact, "MINOR", par},    // overrides are case-insensitive too
		{DomainImpact, "security", maj}, // added
		{DomainImpact, "critical", maj}, // default kept
		{DomainEmoji, "🔵", mnt},
		{DomainEmoji, "🔴", maj},
		{DomainComponent, "degraded_performance", deg},
	}
	for _, c := range cases {
		if got, ok := m.Map(c.domain, c.native); !ok || got != c.want {
			t.Errorf("Map(%q, %q) = %v, %v; want %v", c.domain, c.native, got, ok, c.want)
		}
	}
	// Overrides never leak into the defaults or another Mapper.
	if got, _ := (*Mapper)(nil).Map(DomainImpact, "minor"); got != deg {
		t.Errorf("default impact minor = %v after an override, want degraded", got)
	}
}

func TestNewMapperUnknownDomain(t *testing.T) {
	_, err := NewMapper(map[string]map[string]upstat.Severity{"colour": {"red": upstat.MajorOutage}})
	if !errors.Is(err, upstat.ErrInvalid) {
		t.Fatalf("NewMapper(unknown domain) = %v, want an error wrapping ErrInvalid", err)
	}
}

func TestState(t *testing.T) {
	cases := []struct {
		word string
		want upstat.IncidentState
		ok   bool
	}{
		{"investigating", upstat.StateInvestigating, true},
		{"Identified", upstat.StateIdentified, true},
		{" MONITORING ", upstat.StateMonitoring, true},
		{"Resolved", upstat.StateResolved, true},
		{"postmortem", upstat.StateResolved, true},
		{"Postmortem", upstat.StateResolved, true},
		{"post-mortem", upstat.StateResolved, true},
		{"Scheduled", upstat.StateScheduled, true},
		{"In progress", upstat.StateInProgress, true},
		{"in_progress", upstat.StateInProgress, true},
		{"IN_PROGRESS", upstat.StateInProgress, true},
		{"Verifying", upstat.StateVerifying, true},
		{"Completed", upstat.StateCompleted, true},
		{"Update", "", false},
		{"", "", false},
		{"resolving", "", false},
	}
	for _, c := range cases {
		got, ok := State(c.word)
		if ok != c.ok || got != c.want {
			t.Errorf("State(%q) = %q, %v; want %q, %v", c.word, got, ok, c.want, c.ok)
		}
	}
}

func TestRegisterDomain(t *testing.T) {
	RegisterDomain("test-vocab", map[string]upstat.Severity{"Full_Outage": upstat.MajorOutage})
	defer delete(DefaultTables, "test-vocab")
	if s, ok := (*Mapper)(nil).Map("test-vocab", "full_outage"); !ok || s != upstat.MajorOutage {
		t.Fatalf("default mapping: got %v %v", s, ok)
	}
	m, err := NewMapper(map[string]map[string]upstat.Severity{"test-vocab": {"full_outage": upstat.PartialOutage}})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := m.Map("test-vocab", "FULL_OUTAGE"); s != upstat.PartialOutage {
		t.Fatalf("override: got %v", s)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering a domain twice did not panic")
		}
	}()
	RegisterDomain("test-vocab", nil)
}
