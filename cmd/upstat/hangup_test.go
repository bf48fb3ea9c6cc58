package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/upstat/upstat/app"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

// SIGHUP reloads the configuration file, as `upstat serve` wires it.
func TestSIGHUPReloadsTheConfig(t *testing.T) {
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	fixtures.SeedDemo(sim)
	dir := t.TempDir()
	file := filepath.Join(dir, "upstat.yaml")
	head := fmt.Sprintf("listen: 127.0.0.1:0\nstorage: sqlite:%s\npoll: {interval: 1s, allow_private_networks: true}\nvendors:\n", filepath.Join(dir, "u.db"))
	vendor := func(id string) string {
		return fmt.Sprintf("  - id: %s\n    sources: [{kind: statuspage, url: %q}]\n", id, sim.URL(id))
	}
	if err := os.WriteFile(file, []byte(head+vendor("authly")), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	addr, err := a.Listen()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	reloadOnHangup(ctx, a, slog.New(slog.DiscardHandler))

	vendors := func() int {
		resp, err := http.Get("http://" + addr.String() + "/api/v1/summary")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s struct {
			Vendors []struct{ ID string } `json:"vendors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return len(s.Vendors)
	}
	if n := vendors(); n != 1 {
		t.Fatalf("vendors before reload = %d", n)
	}
	if err := os.WriteFile(file, []byte(head+vendor("authly")+vendor("paypath")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for vendors() != 2 {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload the configuration within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
