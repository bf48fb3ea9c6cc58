package statuspage

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
)

const pushURL = "https://status.acme.test"

func readPush(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/push/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPushIncident(t *testing.T) {
	body := readPush(t, "incident.json")
	snap, err := hooks.Decode(Kind, body, pushURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.HasComponents || len(snap.Components) != 0 || len(snap.Incidents) != 1 {
		t.Fatalf("snapshot = %+v, want one incident and no components", snap)
	}
	in := snap.Incidents[0]
	if in.ID != "w1xq9n3vz8rb" || in.Kind != upstat.KindIncident || in.Severity != upstat.PartialOutage ||
		in.Status != upstat.StateInvestigating || in.URL != "https://stspg.io/acme-w1xq" ||
		!in.StartedAt.Equal(time.Date(2026, 11, 30, 19, 2, 11, 204e6, time.UTC)) ||
		!reflect.DeepEqual(in.Components, []string{"Card authorisation"}) || len(in.Updates) != 1 {
		t.Fatalf("incident = %+v", in)
	}
	// The same object as a poll of incidents.json reads it: identical, so
	// the confirming poll changes nothing.
	var env struct {
		Incident json.RawMessage `json:"incident"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	polled, err := decodeNormalize(pushURL, nil, docIncidents, []byte(`{"page":{"id":"pg"},"incidents":[`+string(env.Incident)+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(polled.Incidents[0], in) {
		t.Fatalf("pushed incident differs from the polled one:\npush %+v\npoll %+v", in, polled.Incidents[0])
	}
}

func TestPushMaintenance(t *testing.T) {
	snap, err := hooks.Decode(Kind, readPush(t, "maintenance.json"), pushURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := snap.Incidents[0]
	if in.Kind != upstat.KindMaintenance || in.Status != upstat.StateScheduled || in.ScheduledFor == nil ||
		!in.ScheduledFor.Equal(time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)) {
		t.Fatalf("maintenance = %+v", in)
	}
}

func TestPushComponentUpdate(t *testing.T) {
	snap, err := hooks.Decode(Kind, readPush(t, "component_update.json"), pushURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []upstat.Component{{Name: "Dashboard", Status: upstat.Degraded,
		UpdatedAt: time.Date(2026, 11, 30, 19, 1, 40, 117e6, time.UTC)}}
	if snap.HasComponents || !reflect.DeepEqual(snap.Components, want) || len(snap.Incidents) != 0 {
		t.Fatalf("snapshot = %+v, want components %+v only", snap, want)
	}
	// An unknown word is unknown and a warning, never operational.
	odd := strings.Replace(string(readPush(t, "component_update.json")), `"new_status": "degraded_performance"`, `"new_status": "on_fire"`, 1)
	snap, err = hooks.Decode(Kind, []byte(odd), pushURL, nil)
	if err != nil || snap.Components[0].Status != upstat.Unknown || len(snap.Warnings) != 1 {
		t.Fatalf("unknown word: %+v, %v; want an unknown component and a warning", snap, err)
	}
}

func TestPushRefused(t *testing.T) {
	inc := string(readPush(t, "incident.json"))
	cu := string(readPush(t, "component_update.json"))
	for name, body := range map[string]string{
		"not an object":     `[1,2]`,
		"empty":             ``,
		"no page":           `{"incident":{"id":"x","name":"y"}}`,
		"nothing":           `{"page":{"id":"p"}}`,
		"both":              `{"page":{"id":"p"},"incident":{"id":"x","name":"y"},"component_update":{"component_id":"c","new_status":"major_outage"},"component":{"id":"c","name":"n"}}`,
		"incident no id":    strings.Replace(inc, `"id": "w1xq9n3vz8rb",`, ``, 1),
		"bad time":          strings.Replace(inc, `"2026-11-30T14:02:11.204-05:00"`, `"yesterday"`, 1),
		"mismatched id":     strings.Replace(cu, `"component_id": "c7ha2q5x9e4l"`, `"component_id": "other"`, 1),
		"no new status":     strings.Replace(cu, `"new_status": "degraded_performance",`, ``, 1),
		"no component":      `{"page":{"id":"p"},"component_update":{"component_id":"c","new_status":"major_outage"}}`,
		"trailing data":     inc + `{}`,
		"wrong type of id":  strings.Replace(inc, `"id": "w1xq9n3vz8rb",`, `"id": 12,`, 1),
		"incident is array": `{"page":{"id":"p"},"incident":[]}`,
	} {
		if snap, err := hooks.Decode(Kind, []byte(body), pushURL, nil); !errors.Is(err, upstat.ErrInvalid) {
			t.Errorf("%s: Decode = %+v, %v; want an error wrapping ErrInvalid", name, snap, err)
		}
	}
}

func FuzzDecodePush(f *testing.F) {
	for _, name := range []string{"incident.json", "component_update.json", "maintenance.json"} {
		f.Add(readPush(f, name))
	}
	f.Add([]byte(`{"page":{"id":"p"},"incident":{"id":"x","name":"y","status":"resolved"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		snap, err := decodePush(body, pushURL, nil)
		if err != nil {
			return
		}
		if len(snap.Components)+len(snap.Incidents) != 1 {
			t.Fatalf("a decoded delivery is about exactly one thing: %+v", snap)
		}
		for _, c := range snap.Components {
			if c.Status == upstat.Operational && len(snap.Warnings) > 0 {
				t.Fatalf("a component with a warning reads operational: %+v", snap)
			}
		}
	})
}
