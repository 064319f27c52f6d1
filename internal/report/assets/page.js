// tcpviz report pages: chart set-up, tooltips and sortable tables.
// Strings from the session (flows, addresses, extra figures) reach the DOM
// only through esc() or textContent.
"use strict";
var tcpviz = (function () {
  var charts = [];

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function data(id) {
    var el = document.getElementById(id + "-data");
    return el ? JSON.parse(el.textContent) : null;
  }

  function value(v) {
    if (v === null || v === undefined) return "";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  // Hooks add what JSON options cannot hold: functions.
  var hooks = {
    // The timeline: tooltips from the details table, and bucket squares
    // sized by how many events they count.
    timeline: function (chart, id) {
      var d = data(id) || { flows: [], details: [], bucket: 0 };
      var sevName = function (sid) { return sid.split("/")[2]; };
      var maxCount = 1;
      chart.getOption().series.forEach(function (s) {
        if (String(s.id).indexOf("agg/") !== 0) return;
        s.data.forEach(function (p) {
          var v = p.value || p;
          if (v[2] > maxCount) maxCount = v[2];
        });
      });
      chart.setOption({
        tooltip: {
          formatter: function (p) {
            var v = p.value, sid = p.seriesId || "";
            var head = "<b>" + esc(p.seriesName) + "</b> (" + esc(sevName(sid)) + ")";
            if (sid.indexOf("agg/") === 0) {
              var w = d.bucket, from = v[0] - w / 2;
              return '<div class="tip">' + head + "<br>" + esc(v[2]) + " events from " + esc(+from.toFixed(6)) +
                " s to " + esc(+(from + w).toFixed(6)) + " s</div>";
            }
            var e = d.details[v[2]];
            if (!e) return '<div class="tip">' + head + "<br>t = " + esc(v[0]) + " s</div>";
            var rows = [
              ["time", esc(e[8]) + " (t = " + esc(v[0]) + " s)"],
              ["flow", esc(d.flows[e[1]])],
              ["stream", esc(e[3]) + "/" + esc(e[2]) + ", frame " + esc(e[0])],
              ["seq / ack / len", esc(e[4]) + " / " + esc(e[5]) + " / " + esc(e[6])]
            ];
            var extra = e[7] || {};
            Object.keys(extra).sort().forEach(function (k) {
              rows.push([esc(k), esc(value(extra[k]))]);
            });
            return '<div class="tip">' + head + "<table>" + rows.map(function (r) {
              return "<tr><td>" + r[0] + "</td><td>" + r[1] + "</td></tr>";
            }).join("") + "</table></div>";
          }
        },
        // Up to 2 x MaxPoints points: drawn in one frame rather than
        // progressively, so the chart is complete as soon as it shows
        // (and in a screenshot); bucket squares sized by count.
        // The squares' area grows with the count, the largest filling
        // its row.
        series: chart.getOption().series.map(function (s) {
          var o = { id: s.id, progressive: 0 };
          if (String(s.id).indexOf("agg/") === 0) {
            o.clip = true;
            o.symbolSize = function (v) { return 4 + 18 * Math.sqrt(v[2] / maxCount); };
          }
          return o;
        })
      });
    }
  };

  // Per-flow step lines (RTT, bytes in flight, throughput of the worst
  // flows): the tooltip names each series' figure after its id ("rtt-max/2"
  // is a max), since a flow's mean and max lines share its legend name,
  // and leaves out the flows without a figure there.
  hooks.steps = function (chart, id) {
    var d = data(id) || { labels: {}, unit: "" };
    chart.setOption({
      tooltip: {
        formatter: function (ps) {
          if (!Array.isArray(ps)) ps = [ps];
          var rows = [];
          ps.forEach(function (p) {
            var v = p.value;
            if (!v || v[1] === "-" || v[1] === undefined || v[1] === null) return;
            var what = d.labels[String(p.seriesId).split("/")[0]] || "";
            rows.push("<tr><td>" + p.marker + esc(p.seriesName) + "</td><td>" + esc(what) + "</td><td>" +
              esc(v[1]) + " " + esc(d.unit) + "</td></tr>");
          });
          var t = ps.length ? ps[0].axisValue : "";
          return '<div class="tip"><b>t = ' + esc(t) + " s</b>" +
            (rows.length ? "<table>" + rows.join("") + "</table>" : "<br>no figure here") + "</div>";
        }
      }
    });
  };

  function chart(id, hook, option) {
    var el = document.getElementById(id);
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption(option);
    if (hook) hooks[hook](c, id);
    charts.push(c);
    return c;
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });

  // Sortable tables: click a heading to sort by it, again to reverse.
  function sortable(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var desc = th.getAttribute("aria-sort") !== "descending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", desc ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (r) {
          var c = r.cells[col], s = c.getAttribute("data-sort");
          return s === null ? c.textContent : parseFloat(s);
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b), r = x < y ? -1 : x > y ? 1 : 0;
          return desc ? -r : r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);
  });

  return { chart: chart, charts: charts, esc: esc };
})();
