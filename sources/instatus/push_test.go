package instatus

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
)

func readPush(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/push/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPush(t *testing.T) {
	snap, err := hooks.Decode(Kind, readPush(t, "incident.json"), "https://status.northwind.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	in := snap.Incidents[0]
	if len(snap.Incidents) != 1 || in.ID != "clq9x2r5t0007" || in.Status != upstat.StateIdentified ||
		in.Severity != upstat.PartialOutage || !in.StartedAt.Equal(time.Date(2026, 11, 30, 18, 40, 5, 0, time.UTC)) {
		t.Fatalf("incident = %+v", snap.Incidents)
	}

	snap, err = hooks.Decode(Kind, readPush(t, "maintenance.json"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := snap.Incidents[0]
	start := time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC)
	if m.Kind != upstat.KindMaintenance || m.Status != upstat.StateScheduled || m.ScheduledFor == nil ||
		!m.ScheduledFor.Equal(start) || m.ScheduledUntil == nil || !m.ScheduledUntil.Equal(start.Add(90*time.Minute)) {
		t.Fatalf("maintenance = %+v", m)
	}

	snap, err = hooks.Decode(Kind, readPush(t, "component_update.json"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Components) != 1 || snap.Components[0].Name != "Webhooks" || snap.Components[0].Status != upstat.MajorOutage {
		t.Fatalf("components = %+v", snap.Components)
	}
	odd := strings.Replace(string(readPush(t, "component_update.json")), `"new_status": "MAJOROUTAGE"`, `"new_status": "ONFIRE"`, 1)
	snap, err = hooks.Decode(Kind, []byte(odd), "", nil)
	if err != nil || snap.Components[0].Status != upstat.Unknown || len(snap.Warnings) != 1 {
		t.Fatalf("unknown word: %+v, %v; want unknown and a warning", snap, err)
	}
}

func TestPushRefused(t *testing.T) {
	inc := string(readPush(t, "incident.json"))
	for name, body := range map[string]string{
		"array":     `[]`,
		"no page":   `{"incident":{"id":"x","name":"y"}}`,
		"nothing":   `{"page":{"id":"p"}}`,
		"two":       `{"page":{"id":"p"},"incident":{"id":"x","name":"y"},"maintenance":{"id":"z","name":"w"}}`,
		"no id":     strings.Replace(inc, `"id": "clq9x2r5t0007",`, ``, 1),
		"bad time":  strings.Replace(inc, `"2026-11-30T18:40:05.000Z"`, `"soon"`, 1),
		"no status": `{"page":{"id":"p"},"component_update":{"component_id":"c"},"component":{"id":"c","name":"n"}}`,
	} {
		if snap, err := hooks.Decode(Kind, []byte(body), "", nil); !errors.Is(err, upstat.ErrInvalid) {
			t.Errorf("%s: Decode = %+v, %v; want an error wrapping ErrInvalid", name, snap, err)
		}
	}
}

func FuzzDecodePush(f *testing.F) {
	for _, name := range []string{"incident.json", "maintenance.json", "component_update.json"} {
		f.Add(readPush(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		snap, err := decodePush(body, "", nil)
		if err != nil {
			return
		}
		if len(snap.Components)+len(snap.Incidents) != 1 {
			t.Fatalf("a decoded delivery is about exactly one thing: %+v", snap)
		}
		if len(snap.Warnings) > 0 && snap.Components[0].Status == upstat.Operational {
			t.Fatalf("a component with a warning reads operational: %+v", snap)
		}
	})
}
