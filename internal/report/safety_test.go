package report

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	scriptRE  = regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`)
	cspRE     = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`)
	hashRE    = regexp.MustCompile(`'sha256-([A-Za-z0-9+/=]+)'`)
	urlRE     = regexp.MustCompile(`https?://[^\s"'<>)\\]*`)
	tagOpenRE = regexp.MustCompile(`(?i)<(script|link|img|iframe|object|embed|audio|video|source|base|form|meta)\b[^>]*>`)
)

// libraryURLs are the URLs in ECharts 5.6.0's source: XML namespace names
// and licence links, none of them fetched. A new one in a later version
// must be looked at before it is allowed.
var libraryURLs = map[string]bool{
	"http://www.apache.org/licenses/LICENSE-2.0":                true,
	"http://www.w3.org/1999/xlink":                              true,
	"http://www.w3.org/2000/svg":                                true,
	"http://www.w3.org/2000/xmlns/":                             true,
	"http://www.w3.org/XML/1998/namespace":                      true,
	"https://github.com/ecomfe/zrender/blob/master/LICENSE.txt": true,
}

func TestLibraryEmbedded(t *testing.T) {
	if len(echartsJS) < 500000 || !strings.Contains(echartsJS, "echarts") {
		t.Fatalf("embedded library is %d bytes; is assets/echarts.min.js the ECharts dist file?", len(echartsJS))
	}
	for _, u := range urlRE.FindAllString(echartsJS, -1) {
		if !libraryURLs[u] {
			t.Errorf("the ECharts library mentions %s: check it is not fetched, then add it to libraryURLs", u)
		}
	}
}

// TestPagesLoadNothing checks the HTML itself: no element that loads a
// resource, no URL outside the library's own text, and a Content Security
// Policy that allows exactly the page's inline scripts and no network.
func TestPagesLoadNothing(t *testing.T) {
	for _, name := range []string{"session", "legacy", "hostile"} {
		d := load(t, name, Options{})
		for _, p := range Pages() {
			page := string(renderPage(t, d, p))
			where := name + "/" + p.FileName()
			if strings.Count(page, echartsJS) != 1 {
				t.Fatalf("%s: the library is not inlined exactly once", where)
			}
			rest := strings.Replace(page, echartsJS, "", 1)
			if u := urlRE.FindAllString(rest, -1); len(u) > 0 {
				t.Errorf("%s mentions URLs outside the library: %q", where, u)
			}
			var tags []string
			for _, m := range tagOpenRE.FindAllString(rest, -1) {
				tags = append(tags, m)
			}
			for _, tag := range tags {
				switch {
				case tag == "<script>" || strings.HasPrefix(tag, `<script type="application/json" id="`):
				case tag == `<link rel="icon" href="data:,">`:
				case strings.HasPrefix(tag, "<meta "):
				default:
					t.Errorf("%s has tag %s", where, tag)
				}
			}
			if strings.Contains(strings.ToLower(rest), "@import") || strings.Contains(strings.ToLower(rest), "url(") {
				t.Errorf("%s has CSS that loads something", where)
			}
			checkCSP(t, where, page)
		}
	}
}

// checkCSP checks that the policy forbids the network and lists the hash
// of every executable inline script, and nothing else.
func checkCSP(t *testing.T, where, page string) {
	t.Helper()
	m := cspRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s has no Content-Security-Policy", where)
	}
	csp := html.UnescapeString(m[1])
	if !strings.HasPrefix(csp, "default-src 'none'; script-src 'sha256-") {
		t.Errorf("%s: policy %q does not start by forbidding everything", where, csp)
	}
	var listed, want []string
	for _, h := range hashRE.FindAllStringSubmatch(csp, -1) {
		listed = append(listed, h[1])
	}
	seen := map[string]bool{}
	for _, s := range scriptRE.FindAllStringSubmatch(page, -1) {
		if strings.Contains(s[1], "application/json") {
			continue
		}
		sum := sha256.Sum256([]byte(s[2]))
		h := base64.StdEncoding.EncodeToString(sum[:])
		if !seen[h] {
			seen[h] = true
			want = append(want, h)
		}
	}
	sort.Strings(listed)
	sort.Strings(want)
	if d := cmp.Diff(want, listed); d != "" {
		t.Errorf("%s: script hashes in the policy (-scripts +policy):\n%s", where, d)
	}
}

// TestHostileHTML checks the escaping in the HTML text: every string of
// the hostile session holds "</script><script>alert(1)</script>", an
// <img onerror>, "<!--", a go-echarts function marker "__f__alert(3)__f__"
// and U+2028; none may end a script, start an element or become code.
func TestHostileHTML(t *testing.T) {
	d := load(t, "hostile", Options{Library: stubLibrary})
	for _, p := range Pages() {
		page := string(renderPage(t, d, p))
		where := "hostile/" + p.FileName()
		for _, bad := range []string{"<script>alert", "<img", "<!--", "onerror=alert(2) data-pwned=1>"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s contains %q unescaped", where, bad)
			}
		}
		if n := strings.Count(page, "alert(3)"); n == 0 || n != strings.Count(page, "__f__alert(3)__f__") {
			t.Errorf("%s: a __f__ marker was stripped: %d alert(3), %d with markers", where, n, strings.Count(page, "__f__alert(3)__f__"))
		}
		scripts := scriptRE.FindAllStringSubmatch(page, -1)
		if open := strings.Count(strings.ToLower(page), "<script"); open != len(scripts) || open != strings.Count(strings.ToLower(page), "</script") {
			t.Errorf("%s: %d <script, %d </script, %d script elements", where, open, strings.Count(page, "</script"), len(scripts))
		}
		for _, s := range scripts {
			if strings.ContainsAny(s[2], "\u2028\u2029") {
				t.Errorf("%s: a script holds a raw U+2028/U+2029", where)
			}
		}
		if !strings.Contains(page, `\u003c/script\u003e\u003cscript\u003ealert(1)`) {
			t.Errorf("%s: the hostile string is not in the chart data as escaped JSON", where)
		}
		if !strings.Contains(page, "&lt;/script&gt;&lt;script&gt;alert(1)") {
			t.Errorf("%s: the hostile string is not in the HTML as escaped text", where)
		}
	}
}

// TestUnsafeLibrary checks that a library which could end its own script
// element is refused rather than inlined.
func TestUnsafeLibrary(t *testing.T) {
	d := load(t, "legacy", Options{Library: "var a = '</SCRIPT>';"})
	var b strings.Builder
	if err := Render(&b, d, SummaryPage); err == nil || !strings.Contains(err.Error(), "cannot be inlined") {
		t.Errorf("Render with an unsafe library: %v", err)
	}
}
