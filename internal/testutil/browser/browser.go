// Package browser starts headless Chromium for tests that drive the web
// workspace through a real browser (chromedp), and writes their
// screenshots where a person can look at them.
package browser

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds the Chromium binary; a test without it is skipped on a
// developer machine and fails in CI (CI=true), where .ci/run installs it.
func Path(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("chromium is not installed: .ci/run must install it (apt-get install chromium)")
	}
	tb.Skip("chromium not installed (apt-get install chromium)")
	return ""
}

// New starts a headless Chromium with a laptop-sized window and returns a
// browser context that ends with the test.
func New(tb testing.TB) context.Context {
	tb.Helper()
	path := Path(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("window-size", "1440,900"),
		chromedp.Flag("lang", "en-US"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	tb.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	// Start the browser now, so a broken install fails here, plainly.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Dir is where screenshots go: $CLEARWAY_SCREENSHOTS when set, else a
// folder of the test's own.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("CLEARWAY_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
		return d
	}
	return tb.TempDir()
}

// Screenshot writes a full-page PNG of the current page as dir/name.png
// and returns its path.
func Screenshot(tb testing.TB, ctx context.Context, dir, name string) string {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", p)
	return p
}

// ScreenshotOf saves a PNG of the first element matching the CSS selector
// (a long page is easier to look at a part at a time).
func ScreenshotOf(tb testing.TB, ctx context.Context, dir, name, selector string) string {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(selector)))
	if err != nil {
		tb.Fatalf("screenshot %s of %s: %v", name, selector, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", p)
	return p
}
