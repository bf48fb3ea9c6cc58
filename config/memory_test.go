package config

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// A parsed Config lives as long as the process: it must not keep the YAML
// document it was decoded from (at 10,000 sources the tree held ~25 MB,
// about 2.5 KB a source).
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
	if per > 800 {
		t.Errorf("a parsed config holds %d bytes per source, want <= 800", per)
	}
}

func noEnv(string) (string, bool) { return "", false }
