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

	cfg := DemoConfig(sim, *db, *step)
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
	return a.Run(ctx)
}

// DemoConfig is the configuration of the demo: every simulated vendor,
// polled every half step, stale after one and a half steps of failure.
func DemoConfig(sim *fixtures.Server, db string, step time.Duration) *config.Config {
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
	return cfg
}
