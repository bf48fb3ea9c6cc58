// Command upstat-bench is upstat's load harness. It is not part of
// `make test`; `make bench-load` runs it.
//
//	upstat-bench run     [flags]  simulated vendors + upstat + API load; a table and JSON of the figures
//	upstat-bench floor   [flags]  (exec'd by run) a bare HTTP client doing the same GETs, for the CPU floor
//	upstat-bench peers   [flags]  upstat, the burst floor and peer binaries given by path, CPU per poll on the same vendors
//	upstat-bench history [flags]  fill a database with 90 days of history and time the API's queries on it
//
// `upstat-bench run` starts the simulated vendors (fixtures.StartLoad) in
// its own process, execs `upstat serve` on a generated config and a bare
// client (`upstat-bench floor`) as separate processes, so each one's CPU
// (/proc/PID/stat) and memory (/proc/PID/status) are measured apart.
// With -storage postgres://... it runs -replicas such processes on a fresh
// schema of that database and, with -kills, times the takeover after
// killing one (cluster.go).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `upstat-bench: load harness for upstat

Usage:
  upstat-bench run     [-n 1000] [-interval 30s] [-duration 60s] [-change 0.02] [-out bench-load.json]
  upstat-bench run     -storage postgres://... [-replicas 3] [-kills 10] [-lease-ttl 5s] [flags as above]
  upstat-bench peers   [-n 500,2000] [-interval 10s] [-duration 30s] [-gatus PATH] [-exporter PATH [-exporter-args ARGS]]
  upstat-bench history [-db FILE] [-vendors 10000] [-days 90] [-queries 300]
  upstat-bench floor   -urls FILE -duration 60s     (started by run)
  upstat-bench serve   --config FILE [-cpuprofile F] (upstat serve with pprof; run -profile uses it)

Run "upstat-bench CMD -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "upstat-bench:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	switch args[0] {
	case "run":
		return cmdRun(ctx, args[1:], stdout, stderr)
	case "floor":
		return cmdFloor(ctx, args[1:], stdout, stderr)
	case "peers":
		return cmdPeers(ctx, args[1:], stdout, stderr)
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "history":
		return cmdHistory(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}
