package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/upstat/upstat", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "darwin"}, {Key: "GOARCH", Value: "arm64"},
			{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		}}
	got := FromBuildInfo(bi)
	want := Info{Version: "v1.2.3", Revision: "0123456789abcdef", Time: "2026-12-01T10:00:00Z", Modified: true,
		GoVersion: "go1.26.8", Platform: "darwin/arm64"}
	if got != want {
		t.Fatalf("FromBuildInfo = %+v, want %+v", got, want)
	}
	for _, line := range []string{"upstat v1.2.3\n", "revision:  0123456789abcdef (modified)\n",
		"committed: 2026-12-01T10:00:00Z\n", "go:        go1.26.8 darwin/arm64\n"} {
		if !strings.Contains(got.String(), line) {
			t.Errorf("String() = %q, want a line %q", got.String(), line)
		}
	}
}

func TestFromBuildInfoWithoutVCS(t *testing.T) {
	got := FromBuildInfo(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}})
	if got.Version != "devel" || got.Revision != "" || got.Modified {
		t.Fatalf("FromBuildInfo = %+v, want version devel and no revision", got)
	}
	if s := got.String(); !strings.Contains(s, "revision:  unknown") || strings.Contains(s, "committed:") {
		t.Errorf("String() = %q, want an unknown revision and no commit time", s)
	}
}
