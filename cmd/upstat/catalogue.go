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

	"github.com/upstat/upstat/catalogue"
)

// cmdCatalogue is `upstat catalogue search WORD | show ID | list [--kind K]`.
func cmdCatalogue(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: catalogue needs search, show or list", errUsage)
	}
	fs := flag.NewFlagSet("catalogue "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", "", "list: only entries of this source kind")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	cat, err := catalogue.Default()
	if err != nil {
		return err
	}
	var entries []catalogue.Entry
	switch sub := args[0]; {
	case sub == "search" && len(pos) == 1:
		entries = cat.Search(pos[0])
	case sub == "show" && len(pos) == 1:
		e, ok := cat.Lookup(pos[0])
		if !ok {
			return fmt.Errorf("no catalogue entry %q%s", pos[0], suggest(cat, pos[0]))
		}
		if *asJSON {
			return writeJSON(stdout, e)
		}
		return showEntry(stdout, e)
	case sub == "list" && len(pos) == 0:
		entries = cat.List(*kind)
		if len(entries) == 0 && *kind != "" {
			return fmt.Errorf("%w: no entries of kind %q (kinds: %s)", errUsage, *kind, strings.Join(kindNames(cat), ", "))
		}
	default:
		return fmt.Errorf("%w: catalogue search WORD | show ID | list [--kind K]", errUsage)
	}
	if *asJSON {
		return writeJSON(stdout, entries)
	}
	return listEntries(stdout, entries)
}

// suggest names up to three entries a mistyped key may have meant.
func suggest(cat *catalogue.Catalogue, key string) string {
	hits := cat.Search(key)
	if len(hits) == 0 {
		return ""
	}
	if len(hits) > 3 {
		hits = hits[:3]
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return " (did you mean " + strings.Join(ids, ", ") + "?)"
}

func kindNames(cat *catalogue.Catalogue) []string {
	var names []string
	for k := range cat.Kinds() {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func listEntries(w io.Writer, entries []catalogue.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tNAME\tURL")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.ID, e.Kind, e.Name, e.URL)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d entries\n", len(entries))
	return err
}

func showEntry(w io.Writer, e catalogue.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("id", e.ID)
	row("name", e.Name)
	row("kind", e.Kind)
	row("url", e.URL)
	for _, k := range sortedKeys(e.Options) {
		row(k, e.Options[k])
	}
	row("aliases", strings.Join(e.Aliases, ", "))
	row("domains", strings.Join(e.Domains, ", "))
	row("category", e.Category)
	row("source", e.Source)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nin a config:\n  vendors:\n    - id: %s\n", e.ID)
	return err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
