package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// renderSession renders every page of testdata/NAME, copied into dir, with
// the real ECharts library, and returns the pages' paths.
func renderSession(t *testing.T, name, dir string, opts Options) []string {
	t.Helper()
	copyDir(t, filepath.Join("testdata", name), dir)
	d, err := Load(context.Background(), dir, filepath.Join(dir, "events.jsonl"), opts)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range Pages() {
		path := filepath.Join(dir, p.FileName())
		if err := os.WriteFile(path, renderPage(t, d, p), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: path}).String()
}

// chartState is what the page says of one chart: whether echarts drew
// into a canvas and how many of its pixels are painted.
type chartState struct {
	ID      string `json:"id"`
	Canvas  bool   `json:"canvas"`
	W       int    `json:"w"`
	H       int    `json:"h"`
	Painted int    `json:"painted"`
}

const chartStatesJS = `(() => Array.from(document.querySelectorAll('.chart')).map(div => {
  const c = div.querySelector('canvas');
  if (!c || !c.width || !c.height) return {id: div.id, canvas: !!c, w: 0, h: 0, painted: 0};
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
  return {id: div.id, canvas: true, w: c.width, h: c.height, painted: painted};
}))()`

// checkPage loads a page with networking off, waits until every chart has
// drawn, and checks that nothing was fetched and nothing complained. It
// saves a screenshot as shot.
func checkPage(t *testing.T, b *browser, path, shot string) {
	t.Helper()
	b.t = t
	b.requests, b.problems, b.dialogs = nil, nil, nil
	b.navigate(fileURL(path))
	var states []chartState
	var want int
	b.eval(`document.querySelectorAll('.chart').length`, &want)
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.eval(chartStatesJS, &states)
		drawn := 0
		for _, s := range states {
			if s.Canvas && s.Painted > 500 {
				drawn++
			}
		}
		if drawn == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: charts not drawn after 20s: %+v", path, states)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if want == 0 {
		t.Fatalf("%s has no chart", path)
	}
	var n int
	b.eval(`tcpviz.charts.length`, &n)
	if n != want {
		t.Errorf("%s: %d charts initialised, %d chart elements", path, n, want)
	}
	b.screenshot(shot)
	if dir := os.Getenv("TCPVIZ_REPORT_SHOTS"); dir != "" {
		// For a person to look at: TCPVIZ_REPORT_SHOTS=/tmp/shots go test ...
		if b, err := os.ReadFile(shot); err == nil {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, filepath.Base(shot)), b, 0o644)
		}
	}
	for _, u := range b.requests {
		if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
			t.Errorf("%s requested %s", path, u)
		}
	}
	for _, p := range b.problems {
		t.Errorf("%s: %s", path, p)
	}
	for _, d := range b.dialogs {
		t.Errorf("%s opened a dialog: %q", path, d)
	}
}

// TestBrowser loads each page of a session in headless Chromium from
// file:// with networking off: every chart draws, nothing is fetched from
// the network, the console stays clean. Screenshots are kept in the test's
// temp dir (and in $TCPVIZ_REPORT_SHOTS when set).
func TestBrowser(t *testing.T) {
	b := startBrowser(t)
	dir := t.TempDir()
	for _, path := range renderSession(t, "session", filepath.Join(dir, "session"), Options{}) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			checkPage(t, b, path, filepath.Join(dir, "session_"+strings.TrimSuffix(filepath.Base(path), ".html")+".png"))
			if filepath.Base(path) != "summary.html" {
				checkTooltip(t, b)
				checkStepsTooltip(t, b)
			}
			checkSort(t, b)
		})
	}
}

// checkTooltip hovers the first event of the timeline and checks that the
// tooltip shows its details.
func checkTooltip(t *testing.T, b *browser) {
	t.Helper()
	var tip string
	b.eval(`(() => {
  const c = echarts.getInstanceByDom(document.getElementById('timeline'));
  const s = c.getOption().series.findIndex(s => String(s.id).startsWith('raw/'));
  c.dispatchAction({type: 'showTip', seriesIndex: s, dataIndex: 0});
  const el = Array.from(document.querySelectorAll('.tip')).pop();
  return el ? el.textContent : '';
})()`, &tip)
	for _, want := range []string{"flow", "stream", "frame", "seq / ack / len", "time"} {
		if !strings.Contains(tip, want) {
			t.Errorf("timeline tooltip %q lacks %q", tip, want)
		}
	}
}

// checkStepsTooltip hovers the first step of the RTT chart, drawn from
// the flows' timelines, and checks that the tooltip names the figures of
// the flow's lines, which share its legend name.
func checkStepsTooltip(t *testing.T, b *browser) {
	t.Helper()
	var tip string
	b.eval(`(() => {
  const c = echarts.getInstanceByDom(document.getElementById('rtt'));
  c.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0});
  const el = Array.from(document.querySelectorAll('.tip')).pop();
  return el ? el.textContent : '';
})()`, &tip)
	for _, want := range []string{"t = ", "tcp/", "mean sample", "largest sample", " ms"} {
		if !strings.Contains(tip, want) {
			t.Errorf("RTT tooltip %q lacks %q", tip, want)
		}
	}
}

// checkSort clicks the retransmissions heading of the flows table.
func checkSort(t *testing.T, b *browser) {
	t.Helper()
	var has bool
	b.eval(`!!document.getElementById('flows')`, &has)
	if !has {
		return
	}
	var order []float64
	b.eval(`(() => {
  const t = document.getElementById('flows');
  const col = Array.from(t.tHead.rows[0].cells).findIndex(th => th.textContent === 'stream');
  t.tHead.rows[0].cells[col].click();
  return Array.from(t.tBodies[0].rows).map(r => parseFloat(r.cells[col].dataset.sort));
})()`, &order)
	for i := 1; i < len(order); i++ {
		if order[i] > order[i-1] {
			t.Errorf("flows sorted by stream: %v is not descending", order)
			break
		}
	}
}

// TestBrowserHostile renders a session whose every string (addresses,
// flows, types, extra keys and values, file names, the session
// directory's own name) holds markup and script, then shows every chart's
// tooltip: no script runs, no element is injected, and the markup shows
// as text.
func TestBrowserHostile(t *testing.T) {
	b := startBrowser(t)
	base := t.TempDir()
	dir := filepath.Join(base, `<img src=x onerror=alert(4) data-pwned=1>&'"`)
	paths := renderSession(t, "hostile", dir, Options{})
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			checkPage(t, b, path, filepath.Join(base, "hostile_"+strings.TrimSuffix(filepath.Base(path), ".html")+".png"))
			var res struct {
				Tips     int    `json:"tips"`
				Pwned    int    `json:"pwned"`
				Flag     bool   `json:"flag"`
				Scripts  int    `json:"scripts"`
				TipTexts string `json:"tipTexts"`
				Body     string `json:"body"`
			}
			b.eval(`(() => {
  let tips = 0, texts = '';
  for (const c of tcpviz.charts) {
    c.getOption().series.forEach((s, i) => {
      c.dispatchAction({type: 'showTip', seriesIndex: i, dataIndex: 0});
      tips++;
      texts += Array.from(document.querySelectorAll('.tip, div[style*="z-index: 9999999"]')).map(e => e.textContent).join('|');
    });
  }
  return {tips: tips, pwned: document.querySelectorAll('[data-pwned]').length, flag: !!window.__pwned,
          scripts: document.scripts.length, tipTexts: texts, body: document.body.textContent};
})()`, &res)
			if res.Tips == 0 {
				t.Fatal("no tooltip shown")
			}
			if res.Pwned != 0 || res.Flag {
				t.Errorf("injected markup became elements: %d [data-pwned] elements, flag %v", res.Pwned, res.Flag)
			}
			if len(b.dialogs) > 0 {
				t.Errorf("alert ran: %q", b.dialogs)
			}
			if !strings.Contains(res.Body, "<img src=x onerror=alert(2) data-pwned=1>") {
				t.Errorf("the hostile text is not shown as text")
			}
			if strings.Contains(filepath.Base(path), "timeline") && !strings.Contains(res.TipTexts, "</script><script>alert(1)</script>") {
				t.Errorf("the timeline tooltip does not show the hostile flow as text: %q", res.TipTexts)
			}
		})
	}
}

// TestBrowserSessions checks the pages of real sessions the same way:
// TCPVIZ_REPORT_SESSIONS is a list of session directories (as parse-pcap
// wrote them) separated by the OS's path list separator. Each is copied
// and reported with the embedded library. Skipped when the variable is
// unset.
func TestBrowserSessions(t *testing.T) {
	list := os.Getenv("TCPVIZ_REPORT_SESSIONS")
	if list == "" {
		t.Skip("TCPVIZ_REPORT_SESSIONS is not set")
	}
	b := startBrowser(t)
	base := t.TempDir()
	for i, src := range filepath.SplitList(list) {
		name := fmt.Sprintf("%02d_%s", i, filepath.Base(src))
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(base, name)
			copyDir(t, src, dir)
			d, err := Load(context.Background(), dir, filepath.Join(dir, "events.jsonl"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range Pages() {
				path := filepath.Join(dir, p.FileName())
				if err := os.WriteFile(path, renderPage(t, d, p), 0o644); err != nil {
					t.Fatal(err)
				}
				checkPage(t, b, path, filepath.Join(base, name+"_"+strings.TrimSuffix(p.FileName(), ".html")+".png"))
			}
		})
	}
}
