package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goTool returns the go command that is running the tests.
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no go command: %v", err)
	}
	return p
}

// command runs name with args in dir and returns its standard output,
// failing the test on an error.
func command(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestVersionFromBuildInfo builds the upstat binary for this host as
// `make build` does and checks that `upstat version` and `upstat
// --version` report the checkout's revision from the build information.
func TestVersionFromBuildInfo(t *testing.T) {
	root := command(t, ".", goTool(t), "list", "-m", "-f", "{{.Dir}}")
	root = strings.TrimSpace(root)
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git: the build cannot carry a revision")
	}
	revCmd := exec.Command(git, "rev-parse", "HEAD")
	revCmd.Dir = root
	revOut, err := revCmd.Output()
	if err != nil {
		t.Skipf("%s is not a git checkout (%v): the build cannot carry a revision", root, err)
	}
	rev := strings.TrimSpace(string(revOut))
	if fi, err := os.Stat(filepath.Join(root, ".git")); err != nil || !fi.IsDir() {
		// The go command looks for a .git directory; a git worktree
		// (whose .git is a file) gets no VCS information stamped.
		t.Skipf("%s/.git is not a directory (a git worktree?): the go command stamps no revision there", root)
	}
	bin := filepath.Join(t.TempDir(), "upstat")
	// -buildvcs=auto overrides a GOFLAGS=-buildvcs=false in the
	// environment, as the Makefile does.
	command(t, root, goTool(t), "build", "-buildvcs=auto", "-o", bin, "./cmd/upstat")
	for _, arg := range []string{"version", "--version"} {
		out := command(t, root, bin, arg)
		if !strings.HasPrefix(out, "upstat ") || strings.HasPrefix(out, "upstat dev\n") {
			t.Errorf("upstat %s: %q, want a module version on the first line", arg, out)
		}
		if !strings.Contains(out, "revision:  "+rev) {
			t.Errorf("upstat %s: %q, want revision %s", arg, out, rev)
		}
		if !strings.Contains(out, "go:        "+runtime.Version()) {
			t.Errorf("upstat %s: %q, want the Go version %s", arg, out, runtime.Version())
		}
	}
}

// testOnly are module paths only tests may use: the binary must not link
// them.
var testOnly = []string{
	"github.com/chromedp/",          // browser tests
	"github.com/getkin/kin-openapi", // the OpenAPI contract test
	"github.com/gorilla/mux",        // kin-openapi's router
	"go.uber.org/goleak",            // goroutine leak checks
}

// TestBinaryLinksNoTestLibraries checks with `go list -deps` that the
// upstat binary links no test-only library, no test helper package of the
// module (a package whose name ends in "test": apitest, webtest, …) and
// not package testing.
func TestBinaryLinksNoTestLibraries(t *testing.T) {
	deps := command(t, ".", goTool(t), "list", "-deps", "github.com/upstat/upstat/cmd/upstat")
	n := 0
	for dep := range strings.Lines(deps) {
		dep = strings.TrimSpace(dep)
		n++
		for _, bad := range testOnly {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("the upstat binary links test-only %s", dep)
			}
		}
		if dep == "testing" || strings.HasPrefix(dep, "github.com/upstat/upstat/") && strings.HasSuffix(dep, "test") {
			t.Errorf("the upstat binary links test helper package %s", dep)
		}
	}
	if n < 100 || !strings.Contains(deps, "github.com/upstat/upstat/api\n") {
		t.Fatalf("go list -deps listed %d packages, without the api: not the binary's dependencies?\n%s", n, deps)
	}
}
