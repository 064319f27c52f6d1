package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"path"
	"strings"

	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/render"
)

// Page is one of the HTML pages of a report.
type Page int

// The pages, in the order they are written.
const (
	TimelinePage Page = iota // events and time series
	SummaryPage              // counts, capture metadata, flows
	ReportPage               // both
)

// Pages returns every page, in the order they are written.
func Pages() []Page { return []Page{TimelinePage, SummaryPage, ReportPage} }

// FileName is the page's file name in the session directory.
func (p Page) FileName() string {
	switch p {
	case TimelinePage:
		return "timeline.html"
	case SummaryPage:
		return "summary.html"
	}
	return "report.html"
}

func (p Page) title() string {
	switch p {
	case TimelinePage:
		return "Timeline"
	case SummaryPage:
		return "Summary"
	}
	return "Report"
}

// section is a panel or a table, in page order.
type section struct {
	panel *panel
	table *table
}

func (d *Data) sections(p Page) []section {
	ps := func(ps ...*panel) []section {
		out := make([]section, len(ps))
		for i, x := range ps {
			out[i] = section{panel: x}
		}
		return out
	}
	ts := func(ts ...*table) []section {
		out := make([]section, len(ts))
		for i, x := range ts {
			out[i] = section{table: x}
		}
		return out
	}
	timeline := ps(d.timelinePanel(), d.throughputPanel(), d.rttPanel(), d.rttHistPanel(), d.bifPanel(), d.flowThroughputPanel())
	timeline = append(timeline, ps(d.rtpPanels()...)...)
	summary := ts(d.metaTable())
	summary = append(summary, ps(d.countsPanel())...)
	summary = append(summary, ts(d.countsTable())...)
	summary = append(summary, ps(d.protocolBarPanel(), d.addressesPanel(), d.protocolPiePanel())...)
	summary = append(summary, ts(d.flowsTable())...)
	if d.hasRTP() {
		summary = append(summary, ps(d.rtpStreamsPanel())...)
		summary = append(summary, ts(d.rtpTable())...)
	}
	summary = append(summary, ts(d.flagsTable(), d.decodeTable())...)
	switch p {
	case TimelinePage:
		return timeline
	case SummaryPage:
		return summary
	}
	// The report: the overview first, then the timeline and series, then
	// the detail tables.
	out := append([]section{}, summary[:3]...) // capture, event counts chart and table
	out = append(out, timeline...)
	return append(out, summary[3:]...)
}

// Render writes page p of d to w: one self-contained HTML document that
// loads nothing from the network.
func Render(w io.Writer, d *Data, p Page) error {
	secs := d.sections(p)
	page := components.NewPage()
	page.SetPageTitle("tcpviz " + strings.ToLower(p.title()))
	page.SetLayout(components.PageNoneLayout)
	for _, s := range secs {
		if s.panel != nil && s.panel.chart != nil {
			page.AddCharts(s.panel.chart)
		}
	}
	r := &inlineRenderer{page: page, data: d, pageKind: p, sections: secs}
	page.Renderer = r
	if err := page.Render(w); err != nil {
		return fmt.Errorf("render %s: %w", p.FileName(), err)
	}
	return nil
}

// inlineRenderer is a go-echarts render.Renderer that writes a page as one
// document: the ECharts library and this package's script inline instead
// of <script src>, each chart's option as HTML-safe JSON (go-echarts' own
// templates write it unescaped, so a flow named "</script>" would end the
// script), with the captions and tables around the charts.
//
// It does not turn go-echarts' "__f__" markers into JavaScript functions:
// such a marker inside a packet string would become code. Functions the
// charts need (tooltips, symbol sizes) are in page.js instead.
type inlineRenderer struct {
	render.BaseRender
	page     *components.Page
	data     *Data
	pageKind Page
	sections []section
}

// Render writes the page to w.
func (r *inlineRenderer) Render(w io.Writer) error {
	b, err := r.content()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// RenderContent returns the page; it panics on error, as go-echarts'
// renderers do (Render returns the error instead).
func (r *inlineRenderer) RenderContent() []byte {
	b, err := r.content()
	if err != nil {
		panic(err)
	}
	return b
}

// doc is what the page template fills in.
type doc struct {
	Title    string
	Heading  string
	Subtitle string
	Nav      []navLink
	CSP      string
	CSS      template.CSS
	Library  template.JS
	PageJS   template.JS
	Sections []docSection
}

type navLink struct {
	Href, Text string
	Current    bool
}

type docSection struct {
	Panel  *docPanel
	Table  *table
	Script template.JS
}

type docPanel struct {
	ID      string
	Caption string
	Note    string
	Height  int
	Chart   bool
	Data    template.JS // HTML-safe JSON, or empty
}

// The library must not be able to end its own <script> element.
var errUnsafeLibrary = errors.New("the ECharts library contains </script or <!-- and cannot be inlined")

func (r *inlineRenderer) content() ([]byte, error) {
	page := r.page
	page.Validate()
	// Every asset a chart asks for must be the one library inlined below:
	// anything else (a theme, a map) would have to be loaded.
	for _, a := range page.JSAssets.Values {
		if path.Base(a) != "echarts.min.js" {
			return nil, fmt.Errorf("chart needs script %s, which the page cannot inline", a)
		}
	}
	if len(page.CSSAssets.Values) > 0 || len(page.CustomizedJSAssets.Values) > 0 || len(page.CustomizedCSSAssets.Values) > 0 {
		return nil, errors.New("chart needs external assets, which the page cannot inline")
	}
	lib := r.data.opts.Library
	if l := strings.ToLower(lib); strings.Contains(l, "</script") || strings.Contains(l, "<!--") {
		return nil, errUnsafeLibrary
	}
	dc := doc{
		Title:    page.PageTitle,
		Heading:  "tcpviz " + strings.ToLower(r.pageKind.title()),
		Subtitle: r.data.subtitle(),
		CSS:      template.CSS(pageCSS),
		Library:  template.JS(lib),
		PageJS:   template.JS(pageJS),
	}
	for _, p := range Pages() {
		dc.Nav = append(dc.Nav, navLink{Href: p.FileName(), Text: p.title(), Current: p == r.pageKind})
	}
	scripts := []string{lib, pageJS}
	for _, s := range r.sections {
		if s.table != nil {
			dc.Sections = append(dc.Sections, docSection{Table: s.table})
			continue
		}
		p := s.panel
		dp := &docPanel{ID: p.id, Caption: p.caption, Note: p.note, Height: p.height, Chart: p.chart != nil}
		ds := docSection{Panel: dp}
		if p.chart != nil {
			script, err := chartScript(p)
			if err != nil {
				return nil, err
			}
			ds.Script = template.JS(script)
			scripts = append(scripts, script)
			if p.data != nil {
				b, err := json.Marshal(p.data)
				if err != nil {
					return nil, fmt.Errorf("encode data of chart %s: %w", p.id, err)
				}
				dp.Data = template.JS(b)
			}
		}
		dc.Sections = append(dc.Sections, ds)
	}
	dc.CSP = contentSecurityPolicy(scripts)
	tpl, err := template.New("page").Parse(pageHTML)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, dc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// chartScript is the inline script that draws panel p's chart. The option
// is encoded by encoding/json, which escapes <, > and & in strings (and
// U+2028/U+2029), so no string from the data can end the script or be
// read as HTML.
func chartScript(p *panel) (string, error) {
	opt, err := json.Marshal(p.chart.JSON())
	if err != nil {
		return "", fmt.Errorf("encode chart %s: %w", p.id, err)
	}
	id, _ := json.Marshal(p.id)
	hook, _ := json.Marshal(p.hook)
	return fmt.Sprintf("tcpviz.chart(%s, %s, %s);", id, hook, opt), nil
}

// contentSecurityPolicy allows exactly the page's own inline scripts (by
// hash) and nothing from any network: an injected <script> or event handler
// would not run even if escaping failed, and nothing can be fetched.
func contentSecurityPolicy(scripts []string) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; script-src")
	seen := map[string]bool{}
	for _, s := range scripts {
		sum := sha256.Sum256([]byte(s))
		h := base64.StdEncoding.EncodeToString(sum[:])
		if !seen[h] {
			seen[h] = true
			b.WriteString(" 'sha256-" + h + "'")
		}
	}
	b.WriteString("; style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'")
	return b.String()
}

// subtitle is the line under each page's heading.
func (d *Data) subtitle() string {
	var parts []string
	if s := d.Summary; s != nil {
		if s.Capture.File != "" {
			parts = append(parts, s.Capture.File)
		}
		parts = append(parts, count(s.Capture.Packets)+" packets", duration(s.Capture.DurationS))
	}
	parts = append(parts, fmt.Sprintf("%s events (%s warn, %s critical)", count(d.Events), count(d.sevCounts[1]), count(d.sevCounts[2])))
	return strings.Join(parts, " · ")
}
