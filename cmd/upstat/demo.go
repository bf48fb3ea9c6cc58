package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/upstat/upstat/app"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

// cmdDemo runs upstat offline against simulated vendors that change over
// time: an incident opens, is updated and resolves; a maintenance runs; a
// status page breaks and recovers.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "listen address")
	step := fs.Duration("step", 4*time.Second, "time between steps of the demo script")
	db := fs.String("db", "", "SQLite file (default: a fresh temporary file)")
	logFormat, logLevel := logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	if *db == "" {
		dir, err := os.MkdirTemp("", "upstat-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*db = filepath.Join(dir, "demo.db")
	}
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sim.Close()
	fixtures.SeedDemo(sim)
	pages, err := fixtures.StartPages("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer pages.Close()
	pageSources, err := fixtures.SeedDemoPages(pages)
	if err != nil {
		return err
	}

	cfg, err := DemoConfig(sim, pageSources, *db, *step)
	if err != nil {
		return err
	}
	if err := cfg.Complete(); err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	a, err := app.New(ctx, cfg, app.Options{Log: log, Listen: *listen})
	if err != nil {
		return err
	}
	addr, err := a.Listen()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "upstat demo: dashboard http://%s/  API http://%s/api/v1/summary  (simulated vendors at %s)\n", addr, addr, sim.Addr())
	go func() {
		if err := fixtures.RunDemo(ctx, sim, *step); err != nil {
			log.Error("demo script stopped", "err", err)
		}
	}()
	go stepPages(ctx, pages, pageSources, 3**step)
	return a.Run(ctx)
}

// stepPages moves the simulated feed and HTML pages' stories along: an
// incident opens, is updated and resolves, one change every interval.
func stepPages(ctx context.Context, pages *fixtures.Pages, ps []fixtures.PageSource, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, p := range ps {
				_, _, _, _ = pages.Step(p.Vendor) // an HTML page refuses changes within a minute: fine
			}
		}
	}
}

// DemoConfig is the configuration of the demo: every simulated vendor (the
// Statuspage ones, those on other platforms, read by the kind of their
// platform, the moving one, read with kind auto, and the feed and HTML
// pages), polled every half step,
// stale after one and a half steps of failure.
func DemoConfig(sim *fixtures.Server, pages []fixtures.PageSource, db string, step time.Duration) (*config.Config, error) {
	cfg := &config.Config{
		File:    "(demo)",
		Storage: "sqlite:" + db,
		Poll: config.Poll{
			Interval:             max(step/2, time.Second),
			Timeout:              max(step/2, time.Second),
			StaleAfter:           max(step*3/2, 2*time.Second),
			AllowPrivateNetworks: true,
		},
	}
	tiers := map[string]string{"paypath": "critical", "authly": "critical", "acme-cloud": "critical"}
	for _, v := range fixtures.DemoVendors {
		tier := tiers[v.ID]
		if tier == "" {
			tier = "standard"
		}
		cfg.Vendors = append(cfg.Vendors, config.Vendor{
			ID: v.ID, Name: v.Name, Labels: map[string]string{"tier": tier},
			Sources: []config.Source{{Kind: "statuspage", URL: sim.URL(v.ID)}},
		})
	}
	for _, v := range fixtures.DemoPlatformVendors {
		kind, url, err := sim.Source(v.ID)
		if err != nil {
			return nil, err
		}
		cfg.Vendors = append(cfg.Vendors, config.Vendor{ID: v.ID, Name: v.Name, Labels: map[string]string{"tier": "standard"},
			Sources: []config.Source{{Kind: kind, URL: url}}})
	}
	cfg.Vendors = append(cfg.Vendors, config.Vendor{ID: fixtures.DemoMover.ID, Name: fixtures.DemoMover.Name,
		Labels: map[string]string{"tier": "standard"}, Sources: []config.Source{{Kind: "auto", URL: sim.URL(fixtures.DemoMover.ID)}}})
	for _, p := range pages {
		src, err := config.SourceWithOptions(p.Kind, p.URL, p.Options)
		if err != nil {
			return nil, fmt.Errorf("demo page %s: %w", p.Vendor, err)
		}
		cfg.Vendors = append(cfg.Vendors, config.Vendor{ID: p.Vendor, Name: p.Name,
			Labels: map[string]string{"tier": "standard"}, Sources: []config.Source{src}})
	}
	return cfg, nil
}
