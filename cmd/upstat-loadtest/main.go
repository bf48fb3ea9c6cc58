// Command upstat-loadtest runs upstat in-process against simulated vendors
// and loads its HTTP interface: closed-loop API clients and long-lived
// event-stream subscribers, while the vendors change and the scheduler
// polls them. It then reports throughput, errors, per-endpoint latency
// percentiles, what the subscribers received, and the process's goroutines
// and memory before the load, at its end and after a settle period. It
// exits 1 when any request failed, a subscriber was refused or dropped, or
// goroutines or heap did not return near their baseline.
//
//	go run ./cmd/upstat-loadtest -duration 60s -clients 200 -sse 1000
//
// `make loadtest` runs it (LOADTEST_ARGS adds flags); it is not part of
// `make test`.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code, err := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "upstat-loadtest:", err)
	}
	os.Exit(code)
}

// runMain parses args, runs the load and prints the report; it returns the
// exit code (0 pass, 1 failed checks, 2 could not run).
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	cfg, asJSON, err := parseFlags(args, stderr)
	if err != nil {
		return 2, err
	}
	rep, err := run(ctx, cfg)
	if err != nil {
		return 2, err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return 2, fmt.Errorf("write report: %w", err)
		}
	} else {
		rep.writeTable(stdout)
	}
	if len(rep.Failures) > 0 {
		return 1, nil
	}
	return 0, nil
}

// parseFlags reads the command line into a loadConfig.
func parseFlags(args []string, stderr io.Writer) (loadConfig, bool, error) {
	c := defaultLoadConfig()
	fs := flag.NewFlagSet("upstat-loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&c.Duration, "duration", c.Duration, "how long the clients run")
	fs.IntVar(&c.Clients, "clients", c.Clients, "concurrent closed-loop API clients")
	fs.IntVar(&c.Subscribers, "sse", c.Subscribers, "concurrent event-stream subscribers")
	fs.IntVar(&c.Vendors, "vendors", c.Vendors, "simulated vendors")
	fs.IntVar(&c.Components, "components", c.Components, "components per simulated vendor")
	fs.IntVar(&c.FlipsPerSecond, "flips", c.FlipsPerSecond, "component status changes per second")
	fs.DurationVar(&c.PollInterval, "poll", c.PollInterval, "poll interval of every vendor")
	fs.DurationVar(&c.Settle, "settle", c.Settle, "longest wait for goroutines to return to the baseline")
	fs.IntVar(&c.GoroutineSlack, "goroutine-slack", c.GoroutineSlack, "goroutines above the baseline still accepted after settling")
	fs.Int64Var(&c.HeapSlackMiB, "heap-slack", c.HeapSlackMiB, "MiB of in-use heap above the baseline still accepted after settling")
	fs.StringVar(&c.MemProfile, "memprofile", "", "write a heap profile here after settling")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the load phase here")
	logLevel := fs.String("log-level", "warn", "level of upstat's own log on stderr (debug, info, warn, error)")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return c, false, err
	}
	if fs.NArg() > 0 {
		return c, false, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return c, false, fmt.Errorf("-log-level: %w", err)
	}
	c.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	c.Progress = stderr
	if c.Duration <= 0 || c.Clients < 0 || c.Subscribers < 0 || c.Vendors < 1 || c.Components < 1 || c.FlipsPerSecond < 0 {
		return c, false, fmt.Errorf("-duration must be positive, -vendors and -components at least 1, the rest not negative")
	}
	return c, *asJSON, nil
}

// defaultLoadConfig is the acceptance load: 200 API clients and 1,000
// subscribers for 60s against 200 vendors polled every 2s.
func defaultLoadConfig() loadConfig {
	return loadConfig{
		Duration:       60 * time.Second,
		Clients:        200,
		Subscribers:    1000,
		Vendors:        200,
		Components:     4,
		FlipsPerSecond: 5,
		PollInterval:   2 * time.Second,
		Settle:         30 * time.Second,
		GoroutineSlack: 20,
		HeapSlackMiB:   64,
	}
}
