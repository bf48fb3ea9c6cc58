package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/upstat/upstat/catalogue"
	"github.com/upstat/upstat/sources"
)

// cmdInit is `upstat init [--vendors a,b,c] [--domains FILE] [--out FILE]`:
// it writes a commented configuration watching catalogue vendors, named
// directly or found from the hostnames a team calls.
func cmdInit(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vendors := fs.String("vendors", "", "comma-separated catalogue ids or aliases (github,stripe,aws)")
	domains := fs.String("domains", "", "file of hostnames your systems call, one a line (api.stripe.com)")
	out := fs.String("out", "", "write the configuration to this file (it must not exist) instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *vendors == "" && *domains == "" {
		return fmt.Errorf("%w: init needs --vendors or --domains", errUsage)
	}
	cat, err := catalogue.Default()
	if err != nil {
		return err
	}
	p := &plan{cat: cat, seen: map[string]bool{}}
	for _, key := range strings.Split(*vendors, ",") {
		if key = strings.TrimSpace(key); key != "" {
			if err := p.addKey(key); err != nil {
				return err
			}
		}
	}
	if *domains != "" {
		if err := p.addHosts(*domains); err != nil {
			return err
		}
	}
	if len(p.unmapped) > 0 {
		fmt.Fprintf(stderr, "upstat init: could not map %d hostname(s) to a catalogue vendor: %s\n", len(p.unmapped), strings.Join(p.unmapped, ", "))
	}
	if *out == "" {
		_, err := io.WriteString(stdout, p.render())
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, p.render()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "upstat init: wrote %s (%d vendors); check it with `upstat validate --config %s`\n", *out, len(p.picks), *out)
	return nil
}

// plan is the set of vendors init will write, in the order they came.
type plan struct {
	cat      *catalogue.Catalogue
	picks    []pick
	seen     map[string]bool
	unmapped []string
}

// pick is one vendor to write and why it is there.
type pick struct {
	entry catalogue.Entry
	why   []string // the hostnames that mapped to it, or "named"
}

func (p *plan) addKey(key string) error {
	e, ok := p.cat.Lookup(key)
	if !ok {
		return fmt.Errorf("--vendors: no catalogue entry %q%s", key, suggest(p.cat, key))
	}
	p.add(e, "named")
	return nil
}

func (p *plan) add(e catalogue.Entry, why string) {
	if !p.seen[e.ID] {
		p.seen[e.ID] = true
		p.picks = append(p.picks, pick{entry: e})
	}
	for i := range p.picks {
		if p.picks[i].entry.ID == e.ID {
			p.picks[i].why = append(p.picks[i].why, why)
		}
	}
}

// addHosts maps each hostname of the file (blank lines and # comments
// skipped; a URL is reduced to its host) to a vendor.
func (p *plan) addHosts(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		host := catalogue.Host(line)
		e, how, ok := p.cat.MatchHost(host)
		if !ok {
			p.unmapped = append(p.unmapped, host)
			continue
		}
		p.add(e, host+" ("+how+")")
	}
	if err := sc.Err(); err != nil {
		return errors.Join(fmt.Errorf("--domains %s", path), err)
	}
	return nil
}

// render writes the configuration. A vendor whose source kind this build
// lacks is written commented out, so the file loads as it is.
func (p *plan) render() string {
	var b strings.Builder
	b.WriteString(`# upstat configuration written by "upstat init".
# Every key: docs/configuration.md. The vendors come from the built-in
# catalogue (docs/catalogue.md, "upstat catalogue show ID"); on top of an id
# you may set name, labels, interval and components, e.g.
#   - id: github
#     interval: 2m
#     labels: {team: platform}
#     components: {ignore: ["Codespaces"]}
listen: "127.0.0.1:8080"
storage: "sqlite:upstat.db"
poll:
  interval: 60s
vendors:
`)
	for _, pk := range p.picks {
		e := pk.entry
		fmt.Fprintf(&b, "  # %s: %s %s\n", e.Name, e.Kind, e.URL)
		if pk.why[0] != "named" {
			fmt.Fprintf(&b, "  #   called as %s\n", strings.Join(pk.why, ", "))
		}
		if _, ok := sources.Lookup(e.Kind); !ok {
			fmt.Fprintf(&b, "  #   needs source kind %q, which this build of upstat does not have:\n  # - id: %s\n", e.Kind, e.ID)
			continue
		}
		fmt.Fprintf(&b, "  - id: %s\n", e.ID)
	}
	if len(p.unmapped) > 0 {
		b.WriteString("  # Hostnames no catalogue vendor claims (add their vendors by hand):\n")
		for _, h := range p.unmapped {
			fmt.Fprintf(&b, "  #   %s\n", h)
		}
	}
	return b.String()
}
