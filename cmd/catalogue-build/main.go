// Command catalogue-build writes upstat's vendor catalogue
// (catalogue/vendors.yaml and catalogue/ids.txt) from the public lists in
// a catalogue-sources directory and catalogue/overlay.yaml. `make
// catalogue` runs it; it prints the count and the per-kind tally, and
// fails if a published id vanished without being retired.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/upstat/upstat/catalogue"
	"github.com/upstat/upstat/internal/catalogbuild"
)

func main() {
	src := flag.String("sources", "../shared/catalogue-sources", "directory of the public lists")
	dir := flag.String("dir", "catalogue", "catalogue directory (overlay.yaml, retired.yaml, ids.txt; vendors.yaml is written there)")
	flag.Parse()
	if err := run(*src, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "catalogue-build:", err)
		os.Exit(1)
	}
}

func run(src, dir string) error {
	in, err := catalogbuild.Read(src, dir)
	if err != nil {
		return err
	}
	res, err := catalogbuild.Build(in)
	if err != nil {
		return err
	}
	out := catalogue.Encode(res.Entries)
	if _, err := catalogue.Parse(out); err != nil {
		return err // an id, alias or host claimed twice
	}
	if err := os.WriteFile(filepath.Join(dir, "vendors.yaml"), out, 0o644); err != nil {
		return err
	}
	ids := make([]string, len(res.Entries))
	for i, e := range res.Entries {
		ids[i] = e.ID
	}
	if err := os.WriteFile(filepath.Join(dir, "ids.txt"), []byte(catalogbuild.IDsHeader+strings.Join(ids, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("catalogue: %d entries\n", len(res.Entries))
	printTally("kind", catalogbuild.Tally(res.Entries))
	printTally("dropped", res.Dropped)
	return nil
}

func printTally(label string, t map[string]int) {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  %-8s %5d  %s\n", label, t[k], k)
	}
}
