package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/redact"
	"github.com/upstat/upstat/sources"
)

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// parseInterleaved parses flags that may come before, between or after
// the positional arguments ("check feed URL --json").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// checkResult is what `check` prints for one source. Its JSON uses the
// API's own names (snake_case; components and incidents as in
// /api/v1/vendors/{id}), never Go field names.
type checkResult struct {
	Vendor string `json:"vendor"`
	Kind   string `json:"kind"`
	URL    string `json:"url"` // redacted: no user information or credential values
	Error  string `json:"error,omitempty"`
	// Status is the vendor status this source alone implies; absent on error.
	Status     *upstat.Severity   `json:"status,omitempty"`
	Indicator  *upstat.Severity   `json:"indicator,omitempty"`
	Components []upstat.Component `json:"components,omitempty"`
	Incidents  []upstat.Incident  `json:"incidents,omitempty"`

	Snapshot *upstat.Snapshot `json:"-"`
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "configuration file")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	preset := fs.String("preset", "", "html preset (shorthand for --option preset=P)")
	timeout := fs.Duration("timeout", 15*time.Second, "fetch timeout")
	allowPrivate := fs.Bool("allow-private-networks", false, "allow private and loopback addresses (as poll.allow_private_networks)")
	var options multiFlag
	fs.Var(&options, "option", "adapter option key=value (repeatable), for check KIND URL")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	newFetcher := func(allow bool, proxy *url.URL) *sources.Fetcher {
		return sources.NewFetcher(sources.FetchOptions{Timeout: *timeout, Retries: -1, PublicOnly: true, AllowPrivateNetworks: allow, Proxy: proxy})
	}
	var results []checkResult
	switch {
	case *file != "":
		if len(pos) > 1 {
			return fmt.Errorf("%w: with --config, at most one VENDOR", errUsage)
		}
		cfg, err := config.Load(*file)
		if err != nil {
			return err
		}
		fetcher := newFetcher(*allowPrivate || cfg.Poll.AllowPrivateNetworks, cfg.Poll.ProxyURL())
		found := false
		for _, v := range cfg.Vendors {
			if len(pos) == 1 && v.ID != pos[0] {
				continue
			}
			found = true
			mapper, err := normalize.NewMapper(v.SeverityMap)
			if err != nil {
				return err
			}
			rules := normalize.ComponentRules{Ignore: v.Components.Ignore, Rename: v.Components.Rename}
			for i := range v.Sources {
				r := checkOne(ctx, &v.Sources[i], v.ID, fetcher, mapper)
				if r.Snapshot != nil {
					rules.Apply(r.Snapshot)
				}
				results = append(results, r)
			}
		}
		if !found {
			return fmt.Errorf("no vendor %q in %s", pos[0], *file)
		}
	case len(pos) == 2:
		if *preset != "" {
			options = append(options, "preset="+*preset)
		}
		src, err := config.AdHocSource(pos[0], pos[1], options)
		if err != nil {
			return err
		}
		results = append(results, checkOne(ctx, src, "check", newFetcher(*allowPrivate, nil), nil))
	default:
		return fmt.Errorf("%w: give --config FILE [VENDOR] or KIND URL", errUsage)
	}
	if *asJSON {
		for i := range results {
			results[i].fillJSON()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		printResults(stdout, results)
	}
	failed := 0
	for _, r := range results {
		if r.Error != "" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sources failed", failed, len(results))
	}
	return nil
}

func checkOne(ctx context.Context, s *config.Source, vendor string, f *sources.Fetcher, m *normalize.Mapper) checkResult {
	r := checkResult{Vendor: vendor, Kind: s.Kind, URL: redact.URL(s.URL)}
	src, err := sources.New(s.Spec(vendor), sources.Env{Fetcher: f, Mapper: m, Now: time.Now})
	if err == nil {
		r.Snapshot, err = src.Poll(ctx)
	}
	if err == nil && r.Snapshot.Via != "" {
		r.Kind += "→" + r.Snapshot.Via // kind auto: what it detected
	}
	if err != nil {
		var fe *config.FieldError
		var refused *sources.RefusedError
		switch {
		case errors.As(err, &fe):
			r.Error = fe.Error()
		case errors.As(err, &refused) && refused.Allowable():
			r.Error = err.Error() + " (use --allow-private-networks to fetch it, as poll.allow_private_networks does for serve)"
		default:
			r.Error = err.Error()
		}
		r.Snapshot = nil
	}
	return r
}

func printResults(w io.Writer, results []checkResult) {
	for _, r := range results {
		fmt.Fprintf(w, "== %s  %s %s\n", r.Vendor, r.Kind, r.URL)
		if r.Error != "" {
			fmt.Fprintf(w, "ERROR: %s\n\n", r.Error)
			continue
		}
		s := r.Snapshot
		status, active := snapshotStatus(s)
		fmt.Fprintf(w, "status: %s   components: %d   incidents: %d (%d active)\n", status, len(s.Components), len(s.Incidents), active)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		if len(s.Components) > 0 {
			fmt.Fprintln(tw, "COMPONENT\tGROUP\tSTATUS")
			for _, c := range s.Components {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, c.Group, c.Status)
			}
			fmt.Fprintln(tw)
		}
		if len(s.Incidents) > 0 {
			fmt.Fprintln(tw, "INCIDENT\tKIND\tSEVERITY\tFROM\tSTATUS\tSTARTED\tUPDATES\tTITLE")
			for _, in := range s.Incidents {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", in.ID, in.Kind, in.Severity, in.SeveritySource, in.Status,
					in.StartedAt.UTC().Format(time.RFC3339), len(in.Updates), in.Title)
			}
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
}

// fillJSON copies the snapshot into the JSON fields.
func (r *checkResult) fillJSON() {
	if r.Snapshot == nil {
		return
	}
	status, _ := snapshotStatus(r.Snapshot)
	r.Status, r.Indicator = &status, r.Snapshot.Indicator
	r.Components, r.Incidents = r.Snapshot.Components, r.Snapshot.Incidents
}

// snapshotStatus is the status one snapshot implies (the worst of its
// indicator, components and active incidents) and its active incidents.
func snapshotStatus(s *upstat.Snapshot) (upstat.Severity, int) {
	var indicators []upstat.Severity
	if s.Indicator != nil {
		indicators = append(indicators, *s.Indicator)
	}
	active := 0
	for _, in := range s.Incidents {
		if in.Active() {
			active++
		}
	}
	return normalize.VendorStatus(s.Components, s.Incidents, indicators...), active
}
