/* Charts of the web UI, drawn with the vendored uPlot (static/ui/vendor/uplot/). Each element
   `.chart[data-chart=NAME]` is drawn from the JSON script named by `data-source`, key NAME:
   {x: [ISO dates or times], series: [{label, values}], bars: bool}. The drawn chart is kept in
   window.csmsCharts[NAME] and the element says how many points it drew (data-points); a live
   page re-reads a chart's source or appends a point through window.CsmsCharts. */
(function () {
  "use strict";

  const charts = (window.csmsCharts = window.csmsCharts || {});
  const COLORS = ["#0b6bcb", "#1a8a3a", "#9a5b00", "#6a3fb5"];

  function seconds(iso) {
    // A date alone (2026-03-01) is that day's midnight UTC, as the server counted it.
    return Date.parse(iso.length === 10 ? iso + "T00:00:00Z" : iso) / 1000;
  }

  function options(el, spec, width) {
    const bars = spec.bars && window.uPlot.paths && window.uPlot.paths.bars;
    const muted = getComputedStyle(document.body).getPropertyValue("--muted") || "#5f6b7a";
    const axis = { stroke: muted, grid: { stroke: "rgba(127,127,127,.15)" }, ticks: { show: false } };
    return {
      width: width,
      height: Math.max(180, Math.min(280, Math.round(width * 0.4))),
      tzDate: function (ts) { return window.uPlot.tzDate(new Date(ts * 1000), "UTC"); },
      legend: { show: spec.series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Bars stand on their day: half a day of room either side, so the last one is whole.
        x: { time: true, range: bars ? function (u, min, max) { return [min - 43200, max + 43200]; } : undefined },
        y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } },
      },
      axes: [axis, Object.assign({ size: 50 }, axis, spec.integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {})],
      series: [{}].concat(spec.series.map(function (series, index) {
        const color = series.color || COLORS[index % COLORS.length];
        return {
          label: series.label,
          stroke: color,
          width: bars ? 0 : 2,
          fill: bars ? color : color + "22",
          paths: bars ? window.uPlot.paths.bars({ size: [0.7, 40] }) : undefined,
          points: { show: false },
          scale: series.scale || "y",
        };
      })),
    };
  }

  function draw(el) {
    const source = document.getElementById(el.dataset.source);
    if (!source || !window.uPlot) return;
    const spec = JSON.parse(source.textContent)[el.dataset.chart];
    if (!spec) return;
    const data = [spec.x.map(seconds)].concat(spec.series.map(function (s) { return s.values; }));
    el.innerHTML = "";
    const chart = new window.uPlot(options(el, spec, el.clientWidth || 320), data, el);
    charts[el.dataset.chart] = chart;
    el.dataset.points = String(data[0].length);
    el.dataset.drawn = "true";
    let pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        chart.setSize({ width: el.clientWidth, height: chart.height });
      }, 150);
    });
  }

  // Read the chart's data again from its source (a page part re-read from the server).
  function reread(name) {
    const chart = charts[name];
    const el = document.querySelector('.chart[data-chart="' + name + '"]');
    const source = el && document.getElementById(el.dataset.source);
    if (!chart || !source) return el ? draw(el) : undefined;
    const spec = JSON.parse(source.textContent)[name];
    chart.setData([spec.x.map(seconds)].concat(spec.series.map(function (s) { return s.values; })));
    el.dataset.points = String(spec.x.length);
  }

  // One more point at the end (a pushed event): `at` an ISO time, a value per series.
  function append(name, at, values) {
    const chart = charts[name];
    if (!chart) return;
    const data = chart.data.map(function (column, index) {
      return Array.prototype.slice.call(column).concat([index === 0 ? seconds(at) : values[index - 1]]);
    });
    chart.setData(data);
    const el = document.querySelector('.chart[data-chart="' + name + '"]');
    if (el) el.dataset.points = String(data[0].length);
  }

  window.CsmsCharts = { reread: reread, append: append };
  document.querySelectorAll(".chart[data-chart]").forEach(draw);
})();
