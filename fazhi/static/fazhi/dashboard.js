/* Draws the dashboard's charts with Apache ECharts (vendored). Each element [data-chart="<id>"] names a
   <script type="application/json" id="<id>"> written by Django's json_script filter:
   {type: "bar"|"line", title, categories: [...], series: [{name, data}], stack: bool, horizontal: bool}.
   No inline code; honours prefers-reduced-motion; resizes with its container. */
(function () {
  "use strict";

  function readSpec(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function option(spec, animate) {
    var category = {type: "category", data: spec.categories, axisLabel: {hideOverlap: true}};
    var value = {type: "value", minInterval: 1};
    var series = spec.series.map(function (s) {
      var out = {name: s.name, type: spec.type, data: s.data, emphasis: {focus: "series"}};
      if (spec.stack) { out.stack = "total"; }
      if (spec.type === "line") { out.smooth = false; out.symbolSize = 6; }
      return out;
    });
    return {
      animation: animate,
      tooltip: {trigger: "axis", confine: true},
      legend: {show: series.length > 1, type: "scroll", top: 0},
      grid: {left: 8, right: 16, top: series.length > 1 ? 36 : 12, bottom: 8, containLabel: true},
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? Object.assign({}, category, {inverse: true}) : value,
      series: series
    };
  }

  function draw() {
    if (!window.echarts) { return; }
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = readSpec(el);
      if (!spec) { return; }
      var chart = window.echarts.init(el, null, {renderer: "canvas"});
      chart.setOption(option(spec, !reduce));
      charts.push(chart);
      if (window.ResizeObserver) {
        new ResizeObserver(function () { chart.resize(); }).observe(el);
      }
    });
    if (!window.ResizeObserver) {
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
