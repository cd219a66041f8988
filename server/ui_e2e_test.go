package server

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds a Chromium for the browser test: $CHROMIUM, then the
// Debian package's /usr/bin/chromium (scripts/install-chromium.sh).
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// TestSearchPageInChromium drives the search page at / in headless
// Chromium over the demo corpus: type a query, submit, and check what a
// person would see (status line, hit titles, per-token contribution chips),
// plus a non-blank screenshot. Set SPARROW_SCREENSHOT=FILE.png to keep it.
func TestSearchPageInChromium(t *testing.T) {
	t.Parallel()
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("chromium not installed: run scripts/install-chromium.sh (apt-get install chromium) or set CHROMIUM=/path/to/chromium")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	corpus, err := os.ReadFile(filepath.Join("..", "testdata", "demo", "corpus.jsonl"))
	if err != nil {
		t.Fatalf("demo corpus: %v", err)
	}
	ts := newTestServer(t, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	ts.mustOK("PUT", "/v1/indexes/demo", nil)
	resp, err := http.Post(base+"/v1/indexes/demo/documents", "application/x-ndjson", bytes.NewReader(corpus))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("loading the demo corpus: status %d", resp.StatusCode)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1200, 1000), chromedp.Flag("headless", "new"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser, %s: %v", what, err)
		}
	}
	step("load page", chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("q")),
	))
	options, err := chromedp.Run(ctx, chromedp.Poll[int](`document.querySelectorAll("#index option").length`, chromedp.WithPollingTimeout(30*time.Second)))
	step("index list", err)
	step("search", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("q"), "vitamin D deficiency"),
		chromedp.Click(chromedp.ID("go")),
		chromedp.WaitVisible(chromedp.CSS(".hit")),
	))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
	step("status", err)
	titles, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".hit-title")].map(e => e.innerText)`))
	step("titles", err)
	chips, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".hit .contrib").length`))
	step("chips", err)
	firstChip, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".hit .contrib").innerText`))
	step("first chip", err)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	step("screenshot", err)
	firstTitle := ""
	if len(titles) > 0 {
		firstTitle = titles[0]
	}
	if options != 1 {
		t.Errorf("index selector shows %d indexes, want 1", options)
	}
	if !strings.Contains(status, "hits in") || !strings.Contains(status, "sparse") {
		t.Errorf("status line %q, want 'N hits in X ms (sparse)'", status)
	}
	if len(titles) != 10 {
		t.Errorf("%d hits shown, want 10", len(titles))
	}
	top := strings.ToLower(strings.Join(titles[:min(3, len(titles))], " | "))
	if !strings.Contains(top, "vitamin d") {
		t.Errorf("no top-3 hit mentions vitamin D: %q", top)
	}
	if chips < len(titles) {
		t.Errorf("%d contribution chips for %d hits", chips, len(titles))
	}
	// The first chip is the largest contribution: one of the query's tokens
	// or words ("w:" and its stem) and a positive number, as "token +w".
	if f := strings.Fields(firstChip); len(f) != 2 || !strings.Contains("vitamin d deficiency", strings.TrimPrefix(f[0], "w:")) || !strings.HasPrefix(f[1], "+") {
		t.Errorf("largest contribution of the first hit reads %q, want 'token +w' for a query token", firstChip)
	}
	checkScreenshot(t, shot)

	// Snippets with the query's words highlighted, and the URL in sync.
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".hit mark")].map(e => e.innerText.toLowerCase())`))
	step("marks", err)
	snippets, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".hit .snippet").length`))
	step("snippets", err)
	url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
	step("url", err)
	if snippets < len(titles) {
		t.Errorf("%d snippets for %d hits", snippets, len(titles))
	}
	if len(marks) == 0 {
		t.Error("no highlighted words")
	}
	for _, m := range marks {
		if !strings.HasPrefix(m, "vitamin") && !strings.HasPrefix(m, "d") && !strings.HasPrefix(m, "deficien") {
			t.Errorf("highlighted %q for the query 'vitamin D deficiency'", m)
		}
	}
	if url != "?q=vitamin+D+deficiency&mode=sparse&k=10&index=demo" {
		t.Errorf("URL after the search: %q", url)
	}
	// A shared URL runs its search on load.
	step("open a search URL", chromedp.Do(ctx,
		chromedp.Navigate(base+"/?q=insulin+resistance&mode=bm25&k=5&index=demo"),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("status").innerText.includes("(bm25)")`, chromedp.WithPollingTimeout(30*time.Second)))
	step("search from the URL", err)
	fromURL, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.getElementById("q").value, document.getElementById("mode").value, String(document.querySelectorAll(".hit").length)]`))
	step("state from the URL", err)
	if strings.Join(fromURL, "|") != "insulin resistance|bm25|5" {
		t.Errorf("page opened from a URL shows %q, want query, mode bm25 and 5 hits", fromURL)
	}

	// Hybrid mode, then an empty query: the page says what is wrong.
	step("hybrid", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("mode"), "hybrid"),
		chromedp.Click(chromedp.ID("go")),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("status").innerText.includes("(hybrid)")`, chromedp.WithPollingTimeout(30*time.Second)))
	step("hybrid status", err)
	hybridStatus, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
	step("hybrid status text", err)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("q").value = "", true)`))
	step("clear query", err)
	step("empty query", chromedp.Do(ctx, chromedp.Click(chromedp.ID("go"))))
	errorStatus, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("status").innerText.startsWith("Searching") ? "" : document.getElementById("status").innerText`, chromedp.WithPollingTimeout(30*time.Second)))
	step("error status", err)
	cls, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("status"), "class"))
	step("status class", err)
	statusClasses := cls.Value
	if !strings.Contains(hybridStatus, "hits in") {
		t.Errorf("hybrid status %q", hybridStatus)
	}
	if errorStatus != "Type a query." || statusClasses != "error" {
		t.Errorf("empty query shows %q (class %q), want the error 'Type a query.'", errorStatus, statusClasses)
	}
	t.Logf("search page: %d hits, first %q, %d contribution chips, status %q", len(titles), firstTitle, chips, status)
}

// checkScreenshot decodes the PNG, checks it is a real rendering (many
// distinct colours, not a blank page) and saves it when asked.
func checkScreenshot(t *testing.T, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		// FullScreenshot with quality < 100 gives JPEG
		img, _, err = image.Decode(bytes.NewReader(shot))
	}
	if err != nil {
		t.Fatalf("screenshot does not decode: %v", err)
	}
	b := img.Bounds()
	if b.Dx() < 800 || b.Dy() < 600 {
		t.Fatalf("screenshot is %dx%d", b.Dx(), b.Dy())
	}
	colours := map[uint32]bool{}
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bb, _ := img.At(x, y).RGBA()
			colours[(r>>11)<<10|(g>>11)<<5|bb>>11] = true
			if r+g+bb < 3*0x4000 {
				dark++ // text and the header bar
			}
		}
	}
	if len(colours) < 20 || dark < 500 {
		t.Fatalf("screenshot looks blank: %d colours, %d dark samples", len(colours), dark)
	}
	if p := os.Getenv("SPARROW_SCREENSHOT"); p != "" {
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot saved to %s", p)
	}
}
