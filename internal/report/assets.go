package report

import _ "embed"

// The ECharts library is fetched from the npm registry at build time and
// is not in git. If the build stops here with "pattern
// assets/echarts.min.js: no matching files found", run `make echarts` (or
// `go generate ./internal/report`, or scripts/fetch-echarts.sh).
//
//go:generate bash ../../scripts/fetch-echarts.sh assets/echarts.min.js

// echartsJS is Apache ECharts' dist/echarts.min.js at the version pinned
// in scripts/fetch-echarts.sh, inlined into every page.
//
//go:embed assets/echarts.min.js
var echartsJS string

// pageJS is this package's own script: chart set-up, tooltips and table
// sorting.
//
//go:embed assets/page.js
var pageJS string

// pageCSS styles the pages.
//
//go:embed assets/page.css
var pageCSS string

// pageHTML is the page template.
//
//go:embed assets/page.html.tmpl
var pageHTML string
