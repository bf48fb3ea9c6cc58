package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/upstat/upstat/redact"
	"github.com/upstat/upstat/sources"
)

// detectResult is what `upstat detect --json` prints.
type detectResult struct {
	URL     string             `json:"url"`
	Found   *sources.Evidence  `json:"found,omitempty"`
	Tried   []sources.Evidence `json:"tried"`
	Error   string             `json:"error,omitempty"`
	Example string             `json:"config,omitempty"`
}

// cmdDetect probes a status page's address as kind auto does and prints
// which kind reads it, the URL that kind reads and the evidence of every
// probe that ran.
func cmdDetect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	timeout := fs.Duration("timeout", 15*time.Second, "timeout of each fetch")
	allowPrivate := fs.Bool("allow-private-networks", false, "allow private and loopback addresses (as poll.allow_private_networks)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give one URL", errUsage)
	}
	fetcher := sources.NewFetcher(sources.FetchOptions{Timeout: *timeout, Retries: -1, PublicOnly: true, AllowPrivateNetworks: *allowPrivate})
	found, tried, derr := sources.Detect(ctx, sources.NewProber(fetcher), pos[0])
	// What is shown never holds the page's credentials.
	res := detectResult{URL: redact.URL(pos[0]), Tried: tried}
	for i := range res.Tried {
		res.Tried[i].URL = redact.URL(res.Tried[i].URL)
	}
	if derr != nil {
		res.Error = derr.Error()
	} else {
		found.URL = redact.URL(found.URL)
		res.Found, res.Example = &found, sourceYAML(found)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printDetect(stdout, res)
	}
	if derr != nil {
		return fmt.Errorf("no known status page format at %s", res.URL)
	}
	return nil
}

// sourceYAML is the source entry that reads what was found.
func sourceYAML(ev sources.Evidence) string {
	s := fmt.Sprintf("{kind: %s, url: %q", ev.Kind, ev.URL)
	keys := make([]string, 0, len(ev.Options))
	for k := range ev.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s += fmt.Sprintf(", %s: %v", k, ev.Options[k])
	}
	return s + "}"
}

func printDetect(w io.Writer, r detectResult) {
	fmt.Fprintf(w, "== detect %s\n", r.URL)
	if r.Found != nil {
		fmt.Fprintf(w, "kind: %s   reads: %s\n", r.Found.Kind, r.Found.URL)
	} else {
		fmt.Fprintln(w, "kind: none found")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nPROBE\tMATCH\tEVIDENCE")
	for _, ev := range r.Tried {
		match := "no"
		if r.Found != nil && ev.Kind == r.Found.Kind {
			match = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", ev.Kind, match, strings.ReplaceAll(ev.Why, "\n", " "))
	}
	tw.Flush()
	if r.Found != nil {
		fmt.Fprintf(w, "\nsource: %s\n(or keep {kind: auto, url: %q} to detect it again when the page moves)\n", r.Example, r.URL)
	}
}
