package config

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// A parsed Config lives as long as the process: it must not keep the YAML
// document it was decoded from (at 10,000 sources the tree held ~25 MB,
// about 2.5 KB a source), and it keeps sources' options compact (459
// bytes a source here with yaml.Nodes, 366 compact).
func TestParsedConfigHeapPerSource(t *testing.T) {
	const n = 2000
	var b strings.Builder
	b.WriteString("vendors:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: vendor-%d\n    name: Vendor %d\n    sources:\n      - kind: statuspage\n        url: https://status.vendor-%d.example.com\n", i, i, i)
		if i%5 == 0 {
			fmt.Fprintf(&b, "      - kind: feed\n        url: https://vendor-%d.example.com/history.atom\n        match: [outage, down]\n", i)
		}
	}
	src := []byte(b.String())
	Parse("warm.yaml", src, noEnv) // the catalogue and other one-time state

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c, err := Parse("many.yaml", src, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("%d bytes per source", per)
	if per > 420 {
		t.Errorf("a parsed config holds %d bytes per source, want <= 420", per)
	}
}

func noEnv(string) (string, bool) { return "", false }

// Options survive compaction: anchors and aliases (kept as parsed), a
// stable fingerprint, and the line of an unknown option in the error.
func TestCompactOptions(t *testing.T) {
	src := `vendors:
  - id: a
    sources:
      - kind: feed
        url: https://a.example.com/feed.atom
        match: &words [outage, down] # shared
  - id: b
    sources:
      - kind: feed
        url: https://a.example.com/feed.atom
        match: *words
  - id: c
    sources:
      - kind: feed
        url: https://a.example.com/feed.atom
        match: [outage, down]
`
	c, err := Parse("opts.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	fa, fb, fc := c.Vendors[0].Sources[0].Fingerprint(), c.Vendors[1].Sources[0].Fingerprint(), c.Vendors[2].Sources[0].Fingerprint()
	if fa == "" || fb == "" || fc != c.Vendors[2].Sources[0].Fingerprint() {
		t.Fatalf("fingerprints %q %q %q", fa, fb, fc)
	}
	if c.Vendors[2].Sources[0].options.raw != nil {
		t.Errorf("options without aliases kept as yaml.Nodes")
	}
	if c.Vendors[1].Sources[0].options.raw == nil {
		t.Errorf("options with an alias compacted")
	}

	bad := strings.Replace(src, "        match: [outage, down]\n", "        match: [outage, down]\n        mtach: [x]\n", 1)
	_, err = Parse("opts.yaml", []byte(bad), noEnv)
	if err == nil || !strings.Contains(err.Error(), "opts.yaml:17") || !strings.Contains(err.Error(), "mtach") {
		t.Errorf("unknown option: got %v, want it at opts.yaml:17", err)
	}
}
