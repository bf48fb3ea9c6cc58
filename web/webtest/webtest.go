// Package webtest drives the dashboard in Debian's headless Chromium for
// tests (the web package's and the demo's). Without Chromium a test is
// skipped, unless CI is set: then a missing browser is a failure.
package webtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// LiveDeadline is how long a page may take to show a change without a
// reload.
const LiveDeadline = 10 * time.Second

// Browser starts a headless Chromium for the test. Without Chromium the
// test is skipped, unless CI is set: then a missing browser is a failure.
func Browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and chromium is missing (%v): install Debian's chromium package", err)
		}
		t.Skipf("chromium not installed at %s (set CI to make this a failure)", ChromiumPath)
	}
	// A hard cap on the whole browser session: a wedged Chromium fails the
	// test instead of holding CI until the package timeout.
	capCtx, cancelCap := context.WithTimeout(context.Background(), 3*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(capCtx,
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc(); cancelCap() })
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Eval runs a JavaScript expression and returns its value.
func Eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor polls the page until expr is truthy, up to the deadline.
func WaitFor(t *testing.T, ctx context.Context, what, expr string, deadline time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(deadline))); err != nil {
		t.Fatalf("waiting %v for %s: %v", deadline, what, err)
	}
}

// Open navigates and waits until the page's script is connected to the
// event stream.
func Open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
	WaitFor(t, ctx, "the live connection", `document.getElementById("conn").dataset.state === "live"`, LiveDeadline)
}

// Screenshot saves a full-page PNG as dir/name.png and returns it.
func Screenshot(t *testing.T, ctx context.Context, dir, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	return png
}
