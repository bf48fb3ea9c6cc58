package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/upstat/upstat/api"
	"github.com/upstat/upstat/app"
	"github.com/upstat/upstat/config"
)

// cmdReport is `upstat report --config FILE --vendor ID [--from D] [--to D]
// [--format json|csv]`: the SLA report GET /api/v1/vendors/{id}/report
// serves, read from the configuration's database.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "configuration file (its storage is read)")
	vendor := fs.String("vendor", "", "vendor id")
	from := fs.String("from", "", "first day, YYYY-MM-DD (default: 29 days before --to)")
	to := fs.String("to", "", "last day, included, YYYY-MM-DD (default: today, UTC)")
	format := fs.String("format", "json", "json or csv")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return fmt.Errorf("%w: unexpected %q", errUsage, pos[0])
	case *file == "" || *vendor == "":
		return fmt.Errorf("%w: --config FILE and --vendor ID are required", errUsage)
	case *format != "json" && *format != "csv":
		return fmt.Errorf("%w: --format %q is not json or csv", errUsage, *format)
	}
	f, t, err := api.ReportWindow(*from, *to, time.Now())
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg, err := config.Load(*file)
	if err != nil {
		return err
	}
	rep, err := app.Report(ctx, cfg, *vendor, f, t, nil)
	if err != nil {
		return err
	}
	if *format == "csv" {
		return api.WriteReportCSV(stdout, rep)
	}
	return writeJSON(stdout, rep)
}
