// Package version describes the running binary from the build information
// the Go toolchain stamps into it (runtime/debug.ReadBuildInfo): the module
// version, the VCS revision and commit time, and the Go version. Nothing is
// set by hand at build time; a binary built outside a checkout (or with
// -buildvcs=false) honestly reports no revision.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Info is what the build information says about the binary.
type Info struct {
	// Version is the main module's version: a tag (v1.2.3), a
	// pseudo-version with "+dirty" for a modified checkout, or "devel"
	// when the toolchain recorded none.
	Version string
	// Revision is the VCS revision (commit hash), "" when unknown.
	Revision string
	// Time is the commit time of Revision (RFC 3339), "" when unknown.
	// Builds are reproducible, so there is no build time to report.
	Time string
	// Modified is true when the checkout had uncommitted changes.
	Modified bool
	// GoVersion is the toolchain that built the binary (go1.26.8).
	GoVersion string
	// Platform is GOOS/GOARCH.
	Platform string
}

// Read returns the running binary's Info.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "devel", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo reads an Info out of bi.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	in := Info{Version: bi.Main.Version, GoVersion: bi.GoVersion, Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if in.Version == "" || in.Version == "(devel)" {
		in.Version = "devel"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		case "GOOS":
			in.Platform = s.Value + in.Platform[strings.IndexByte(in.Platform, '/'):]
		case "GOARCH":
			in.Platform = in.Platform[:strings.IndexByte(in.Platform, '/')+1] + s.Value
		}
	}
	return in
}

// String is the multi-line text of `upstat version`.
func (in Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "upstat %s\n", in.Version)
	rev := in.Revision
	switch {
	case rev == "":
		rev = "unknown (built without VCS information)"
	case in.Modified:
		rev += " (modified)"
	}
	fmt.Fprintf(&b, "revision:  %s\n", rev)
	if in.Time != "" {
		fmt.Fprintf(&b, "committed: %s\n", in.Time)
	}
	fmt.Fprintf(&b, "go:        %s %s\n", in.GoVersion, in.Platform)
	return b.String()
}
