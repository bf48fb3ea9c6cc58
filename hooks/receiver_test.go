package hooks

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

func init() {
	// kind "test": the body is a component name, pushed as a major outage.
	Register("test", func(body []byte, _ string, _ *normalize.Mapper) (*upstat.Snapshot, error) {
		if len(body) == 0 {
			return nil, errors.New("empty")
		}
		return &upstat.Snapshot{Components: []upstat.Component{{Name: string(body), Status: upstat.MajorOutage}}}, nil
	})
}

type pushRecord struct {
	vendor string
	source int
	snap   *upstat.Snapshot
}

type fakePusher struct {
	mu     sync.Mutex
	pushes []pushRecord
}

func (f *fakePusher) Push(_ context.Context, vendor string, idx int, snap *upstat.Snapshot) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushes = append(f.pushes, pushRecord{vendor, idx, snap})
	return true, nil
}

const (
	secretA = "aaaaaaaaaaaaaaaa-first"
	secretB = "bbbbbbbbbbbbbbbb-second"
)

func newTestReceiver(t *testing.T) (*Receiver, *fakePusher, *[]string, *bytes.Buffer) {
	t.Helper()
	p := &fakePusher{}
	var polled []string
	logs := &bytes.Buffer{}
	r := NewReceiver(ReceiverOptions{Pusher: p, Log: slog.New(slog.NewTextHandler(logs, nil)),
		PollNow:  func(v string) int { polled = append(polled, v); return 1 },
		OnChange: func(v string) { polled = append(polled, "changed "+v) }})
	r.Configure([]Endpoint{
		{Vendor: "acme", Source: 0, Kind: "test", Secret: secretA},
		{Vendor: "acme", Source: 2, Kind: "test", Secret: secretB,
			Transform: func(s *upstat.Snapshot) { s.Components[0].Name = "renamed" }},
		{Vendor: "quiet", Source: 0, Kind: "test"}, // no secret: no webhook
	})
	return r, p, &polled, logs
}

func TestReceive(t *testing.T) {
	r, p, polled, _ := newTestReceiver(t)
	if _, err := r.Receive(context.Background(), "acme", secretB, []byte("API")); err != nil {
		t.Fatal(err)
	}
	if len(p.pushes) != 1 || p.pushes[0].source != 2 || p.pushes[0].snap.Components[0].Name != "renamed" {
		t.Fatalf("pushes = %+v, want source 2's delivery, transformed", p.pushes)
	}
	if len(*polled) != 2 || (*polled)[0] != "changed acme" || (*polled)[1] != "acme" {
		t.Fatalf("calls = %v, want [changed acme, acme]: evaluate, then the confirming poll", *polled)
	}
}

func TestReceiveRefused(t *testing.T) {
	r, p, polled, logs := newTestReceiver(t)
	for _, c := range []struct {
		name, vendor, secret string
		body                 string
		want                 error
	}{
		{"unknown vendor", "nobody", secretA, "API", upstat.ErrNotFound},
		{"vendor without a secret", "quiet", "", "API", upstat.ErrNotFound},
		{"wrong secret", "acme", secretA + "x", "API", upstat.ErrUnauthorized},
		{"another vendor's secret", "acme", "cccccccccccccccc", "API", upstat.ErrUnauthorized},
		{"no secret", "acme", "", "API", upstat.ErrUnauthorized},
		{"bad body", "acme", secretA, "", upstat.ErrInvalid},
	} {
		if _, err := r.Receive(context.Background(), c.vendor, c.secret, []byte(c.body)); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if len(p.pushes) != 0 || len(*polled) != 0 {
		t.Fatalf("refused deliveries pushed %+v and polled %v; want nothing", p.pushes, *polled)
	}
	if out := logs.String(); strings.Contains(out, secretA) || strings.Contains(out, "cccccccc") || !strings.Contains(out, "wrong secret") {
		t.Fatalf("logs hold a secret or lack the refusal:\n%s", out)
	}
}
