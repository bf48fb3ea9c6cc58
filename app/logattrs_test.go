package app

import (
	"bytes"
	"log/slog"
	"runtime"
	"strings"
	"testing"
)

func TestSourceLogger(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	log := sourceLogger(base, "acme", "statuspage")
	log.Debug("not shown")
	log.Warn("history fetch failed", "url", "https://status.acme.example")
	log.With("try", 2).WithGroup("g").Info("grouped", "n", 1)
	out := buf.String()
	for _, want := range []string{
		`msg="history fetch failed" url=https://status.acme.example vendor=acme kind=statuspage`,
		`msg=grouped vendor=acme kind=statuspage try=2 g.n=1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not shown") {
		t.Errorf("a disabled level was written:\n%s", out)
	}

	// What a source keeps: a small handler, not preformatted attributes.
	const n = 1000
	keep := make([]*slog.Logger, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range keep {
		keep[i] = sourceLogger(base, "vendor-"+string(rune('a'+i%26)), "feed")
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	if per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n; per > 128 {
		t.Errorf("a source logger holds %d bytes, want <= 128", per)
	}
}
