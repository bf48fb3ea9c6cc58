package auto_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/auto"
)

// hinted serves a simulated vendor "v" on the platform format and builds
// an auto source over its page that starts as kind (what a catalogue
// says), logging to the returned buffer.
func hinted(t *testing.T, format, kind string) (*fixtures.Server, *auto.Source, *logBuffer) {
	t.Helper()
	sim := simulator(t)
	sim.AddVendor("v", "V", fixtures.Component{ID: "api", Name: "API"})
	if err := sim.SetFormat("v", format); err != nil {
		t.Fatal(err)
	}
	logs := new(logBuffer)
	env := sources.Env{Fetcher: fetcher(), Log: slog.New(slog.NewTextHandler(logs, nil))}
	src, err := auto.New(sources.Spec{Kind: "auto", URL: sim.URL("v"), Vendor: "v", Decode: yamlOptions("hint: {kind: " + kind + "}")}, env)
	if err != nil {
		t.Fatal(err)
	}
	return sim, src, logs
}

// pollsFail polls src n times and wants each to fail as statuspage with
// an error containing status.
func pollsFail(t *testing.T, src *auto.Source, n int, status string) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := src.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "auto→statuspage") || !strings.Contains(err.Error(), status) {
			t.Fatalf("poll %d: %v, want an http %s as statuspage", i+1, err, status)
		}
	}
}

// With a hint, the first poll reads the page with the hinted kind at once:
// no probe runs (the Statuspage probe, first in order, would fetch
// summary.json, which Cachet's adapter never reads), and the snapshot
// says which kind read it.
func TestHintReadsWithoutProbing(t *testing.T) {
	sim, src, logs := hinted(t, "cachet", "cachet")
	if got := src.Detected(); got.Kind != "cachet" || got.URL != sim.URL("v") {
		t.Fatalf("before any poll: reads %+v, want the hint", got)
	}
	snap, err := src.Poll(context.Background())
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if snap.Via != "cachet" || len(snap.Components) != 1 {
		t.Errorf("snapshot via %q, components %+v", snap.Via, snap.Components)
	}
	if n := sim.Hits("v", "summary.json") + sim.Hits("v", "ping"); n != 0 {
		t.Errorf("the first poll probed: %d probe fetches", n)
	}
	if strings.Contains(logs.String(), "platform detected") {
		t.Errorf("a hinted source logged a detection:\n%s", logs.String())
	}
}

// A page hinted as Statuspage that moves to Instatus heals as with kind
// auto: redetect_after failures as statuspage, then detected again,
// logged, and read as instatus.
func TestHintedPageMoves(t *testing.T) {
	sim, src, logs := hinted(t, "statuspage", "statuspage")
	if _, err := src.Poll(context.Background()); err != nil {
		t.Fatalf("poll as statuspage: %v", err)
	}
	if n := sim.Hits("v", "summary.json"); n != 1 {
		t.Errorf("summary.json fetched %d times by one hinted poll, want 1 (no probe)", n)
	}
	if err := sim.SetFormat("v", "instatus"); err != nil {
		t.Fatal(err)
	}
	if err := sim.OpenIncident("v", "m1", "API down", "critical", fixtures.Major, "The API is down.", "api"); err != nil {
		t.Fatal(err)
	}
	pollsFail(t, src, auto.DefaultRedetectAfter-1, "404")
	snap, err := src.Poll(context.Background())
	if err != nil {
		t.Fatalf("poll that should detect again: %v", err)
	}
	if src.Detected().Kind != "instatus" || snap.Via != "instatus" {
		t.Fatalf("after the move: detected %q, via %q; want instatus", src.Detected().Kind, snap.Via)
	}
	if len(snap.Incidents) != 1 || snap.Incidents[0].Severity != upstat.MajorOutage {
		t.Errorf("snapshot after the move: %+v", snap.Incidents)
	}
	if !strings.Contains(logs.String(), "platform changed from statuspage to instatus") || !strings.Contains(logs.String(), "hinted=true") {
		t.Errorf("log does not name the change from the hinted kind:\n%s", logs.String())
	}
}

// A hinted page that is down (503) is not detected again, however often
// it fails.
func TestHintedOutageIsNotAMove(t *testing.T) {
	sim, src, _ := hinted(t, "statuspage", "statuspage")
	if err := sim.SetFault("v", fixtures.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	pollsFail(t, src, 2*auto.DefaultRedetectAfter, "503")
	if n := sim.Hits("v", "ping"); n != 0 {
		t.Errorf("detected again during an outage: cachet probe ran %d times", n)
	}
	if n := sim.Hits("v", "summary.json"); n != 2*auto.DefaultRedetectAfter {
		t.Errorf("summary.json fetched %d times in %d polls", n, 2*auto.DefaultRedetectAfter)
	}
}

// A hint names a registered kind other than auto, and its options are
// that kind's, decoded strictly; errors name the hint.
func TestHintOptions(t *testing.T) {
	for doc, want := range map[string]string{
		"hint: {page_id: x}":                  "hint.kind",
		"hint: {kind: auto}":                  "hint.kind",
		"hint: {kind: carrier-pigeon}":        `unknown source kind "carrier-pigeon"`,
		"hint: {kind: statuspage, colour: 1}": "hint",
		"hint: {kind: statusio, page_id: 12}": "page_id",
	} {
		_, err := auto.New(sources.Spec{Kind: "auto", URL: "https://status.example.com", Decode: yamlOptions(doc)}, sources.Env{})
		if !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an invalid option naming %s", doc, err, want)
		}
	}
	src, err := auto.New(sources.Spec{Kind: "auto", URL: "https://status.example.com", Decode: yamlOptions(`hint: {kind: statusio, page_id: "546d8cb6af8407b6730000cb"}`)}, sources.Env{})
	if err != nil || src.Detected().Kind != "statusio" {
		t.Fatalf("statusio hint with its page_id: %v", err)
	}
	if h := auto.Hint("statusio", map[string]string{"page_id": "p"}); h["hint"].(map[string]any)["kind"] != "statusio" || h["hint"].(map[string]any)["page_id"] != "p" {
		t.Errorf("Hint = %v", h)
	}
}

// A hinted page that fails as its kind and is then detected as the same
// kind at the same address (the hint's URL written with a trailing slash)
// is not a platform change: nothing is logged as one.
func TestHintedSameKindIsNotAChange(t *testing.T) {
	sim := simulator(t)
	sim.AddVendor("v", "V", fixtures.Component{ID: "api", Name: "API"})
	var served atomic.Int32
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The 2nd to 4th answers of summary.json do not decode: three
	// "not this format" polls; the probe that follows reads it again.
	must(sim.SetFault("v", fixtures.Fault{Mutate: func(path string, body []byte) []byte {
		if path != "api/v2/summary.json" {
			return body
		}
		if n := served.Add(1); n >= 2 && n <= 4 {
			return []byte("{")
		}
		return body
	}}))
	logs := new(logBuffer)
	src, err := auto.New(sources.Spec{Kind: "auto", URL: sim.URL("v") + "/", Decode: yamlOptions("hint: {kind: statuspage}")},
		sources.Env{Fetcher: fetcher(), Log: slog.New(slog.NewTextHandler(logs, nil))})
	must(err)
	_, err = src.Poll(context.Background())
	must(err)
	for i := 0; i < auto.DefaultRedetectAfter; i++ {
		if _, err := src.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "decode") {
			t.Fatalf("poll %d: %v, want a decode error", i+2, err)
		}
	}
	if n := served.Load(); n != 5 {
		t.Fatalf("summary.json served %d times, want 5 (4 polls, 1 probe)", n)
	}
	if strings.Contains(logs.String(), "platform changed") || src.Detected().Kind != "statuspage" {
		t.Errorf("detected %q; logs:\n%s", src.Detected().Kind, logs.String())
	}
}
