// Command upstat watches third-party status pages and serves their
// normalised state as a JSON API, a dashboard, Prometheus metrics and
// alerts. See README.md; `upstat help` lists the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // configured zones resolve on machines without zone data

	"github.com/upstat/upstat/version"
)

const usage = `upstat: an aggregator of third-party status pages

Usage:
  upstat serve    [--config FILE] [--listen ADDR]   poll, store, serve API + dashboard + metrics
  upstat demo     [--listen ADDR] [--step 4s]       run offline against simulated vendors
  upstat check    --config FILE [VENDOR] [--json]  fetch once and print the normalised result
  upstat check    KIND URL [--json] [--preset P] [--option key=value ...]
  upstat validate [--config] FILE                  check a configuration (every error) and exit
  upstat alerts test --config FILE NOTIFIER        send a test notification
  upstat catalogue search WORD | show ID | list [--kind K] [--json]
  upstat init     [--vendors a,b] [--domains FILE] [--out FILE]  write a starting config
  upstat report   --config FILE --vendor ID [--from D] [--to D] [--format json|csv]  SLA evidence of a vendor
  upstat version                                   module version, VCS revision, Go version (also --version)

Without --config, serve watches a built-in set of popular vendors.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks errors that should print the usage text.
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	commands := map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
		"serve":    cmdServe,
		"demo":     cmdDemo,
		"check":    cmdCheck,
		"validate": cmdValidate,
		"alerts":   cmdAlerts,
		"version":  cmdVersion,

		"catalogue": cmdCatalogue,
		"init":      cmdInit,
		"report":    cmdReport,
	}
	name := args[0]
	if name == "--version" || name == "-version" {
		name = "version"
	}
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "upstat: unknown command %q\n\n%s", name, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "upstat %s: %v\n\n%s", name, err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "upstat %s: %v\n", name, err)
		return 1
	}
}

// newLogger returns the structured logger: text or JSON lines on stderr.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q", errUsage, level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%w: --log-format %q (text or json)", errUsage, format)
}

// logFlags adds --log-format and --log-level to fs.
func logFlags(fs *flag.FlagSet) (format, level *string) {
	return fs.String("log-format", "text", "log format: text or json"),
		fs.String("log-level", "info", "log level: debug, info, warn, error")
}

// cmdVersion prints what the build information says about the binary.
func cmdVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	fmt.Fprint(stdout, version.Read())
	return nil
}
