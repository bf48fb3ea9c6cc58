package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/upstat/upstat/config"
)

func sourcesConfig(n int) *config.Config {
	cfg := &config.Config{}
	for range n {
		cfg.Vendors = append(cfg.Vendors, config.Vendor{Sources: make([]config.Source, 1)})
	}
	return cfg
}

func TestDefaultMemoryLimit(t *testing.T) {
	cases := []struct {
		sources   int
		cgroupMax int64
		want      int64
	}{
		{0, 0, 64 << 20},
		{22, 0, 64<<20 + 22*16<<10},
		{10000, 0, 64<<20 + 10000*16<<10}, // about 220 MiB
		{10000, 100 << 20, 90 << 20},      // a container's limit wins, with room to spare
		{10, 1 << 30, 64<<20 + 10*16<<10}, // a roomy container changes nothing
	}
	for _, c := range cases {
		if got := defaultMemoryLimit(sourcesConfig(c.sources), c.cgroupMax); got != c.want {
			t.Errorf("defaultMemoryLimit(%d sources, cgroup %d) = %d, want %d", c.sources, c.cgroupMax, got, c.want)
		}
	}
}

func TestCgroupMemoryMax(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]int64{"max\n": 0, "536870912\n": 512 << 20, "": 0, "junk": 0} {
		p := filepath.Join(dir, "memory.max")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := cgroupMemoryMax(p); got != want {
			t.Errorf("cgroupMemoryMax(%q) = %d, want %d", content, got, want)
		}
	}
	if got := cgroupMemoryMax(filepath.Join(dir, "absent")); got != 0 {
		t.Errorf("missing file: %d, want 0", got)
	}
}

// TestMemoryLimitLeavesGOMEMLIMIT: the default applies only when the
// environment does not set one.
func TestMemoryLimitLeavesGOMEMLIMIT(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	log := slog.New(slog.DiscardHandler)

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	if got := setMemoryLimit(sourcesConfig(10), 0, log); got != 0 || debug.SetMemoryLimit(-1) != 1<<30 {
		t.Errorf("with GOMEMLIMIT set: set %d, limit now %d; want it untouched", got, debug.SetMemoryLimit(-1))
	}
	os.Unsetenv("GOMEMLIMIT") // t.Setenv restores it
	want := defaultMemoryLimit(sourcesConfig(10), 0)
	if got := setMemoryLimit(sourcesConfig(10), 0, log); got != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("without GOMEMLIMIT: set %d, limit now %d; want %d", got, debug.SetMemoryLimit(-1), want)
	}
}

// TestGCPercentLeavesGOGC: the default GOGC applies only when the
// environment does not set one.
func TestGCPercentLeavesGOGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	log := slog.New(slog.DiscardHandler)

	t.Setenv("GOGC", "200")
	debug.SetGCPercent(200)
	if got := setGCPercent(log); got != 0 || debug.SetGCPercent(200) != 200 {
		t.Errorf("with GOGC set: set %d; want it untouched", got)
	}
	os.Unsetenv("GOGC") // t.Setenv restores it
	if got := setGCPercent(log); got != defaultGCPercent || debug.SetGCPercent(100) != defaultGCPercent {
		t.Errorf("without GOGC: set %d; want %d", got, defaultGCPercent)
	}
}
