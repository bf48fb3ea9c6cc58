package aggregate

import (
	"context"
	"errors"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/poll"
)

var _ poll.ChangeRecorder = (*Service)(nil)

func TestRecordChangeReportsWhatReadersSee(t *testing.T) {
	e := newEnv(t, oneVendor("acme"))
	fresh := &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)}}
	degraded := &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Degraded)}}
	steps := []struct {
		name string
		snap *upstat.Snapshot
		err  error
		want bool
	}{
		{"first poll: status known", fresh, nil, true},
		{"same content again", fresh, nil, false},
		{"304", &upstat.Snapshot{NotModified: true}, nil, false},
		{"component degrades", degraded, nil, true},
		{"error appears", nil, errors.New("http 503"), true},
		{"same error again", nil, errors.New("http 503"), false},
		{"recovers with a 304", &upstat.Snapshot{NotModified: true}, nil, true},
	}
	for _, s := range steps {
		e.clock.Advance(1e9)
		got, err := e.svc.RecordChange(context.Background(), "acme", 0, s.snap, s.err)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got != s.want {
			t.Errorf("%s: changed = %v, want %v", s.name, got, s.want)
		}
	}
}
