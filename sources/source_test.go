package sources

import (
	"context"
	"testing"

	"github.com/upstat/upstat"
)

type fixedSource struct{ snap *upstat.Snapshot }

func (f fixedSource) Poll(context.Context) (*upstat.Snapshot, error) { return f.snap, nil }

// TestNewMarksVendorSeverity: every source New builds marks the severities
// its adapter did not mark as guessed as the vendor's, and keeps guesses.
func TestNewMarksVendorSeverity(t *testing.T) {
	const kind = "test-severity-source"
	inner := fixedSource{&upstat.Snapshot{Incidents: []upstat.Incident{
		{ID: "structured"},
		{ID: "guessed", SeveritySource: upstat.SeverityFromText},
	}}}
	Register(Kind{Name: kind, New: func(Spec, Env) (Source, error) { return inner, nil }})
	src, err := New(Spec{Kind: kind}, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Adapter(src).(fixedSource); !ok {
		t.Errorf("Adapter gave %T, want the adapter's own source", Adapter(src))
	}
	snap, err := src.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"structured": upstat.SeverityFromVendor, "guessed": upstat.SeverityFromText}
	for _, inc := range snap.Incidents {
		if inc.SeveritySource != want[inc.ID] {
			t.Errorf("%s: severity_source %q, want %q", inc.ID, inc.SeveritySource, want[inc.ID])
		}
	}
}
