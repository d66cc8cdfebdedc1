// Outcomes charts, drawn with the vendored Chart.js from the page's JSON endpoint.
// Each bar floats from the low to the high end of a 95% Wilson interval; the table beside
// it holds the same figures, for screen readers and without JavaScript.
(function () {
  "use strict";
  var section = document.getElementById("outcomes");
  var canvas = document.getElementById("outcomes-chart");
  if (!section || !canvas || !window.fetch || typeof window.Chart === "undefined") { return; }
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var colours = ["#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#505a5f"];

  function interval(m) {
    return [Math.round(m.ci95[0] * 1000) / 10, Math.round(m.ci95[1] * 1000) / 10];
  }

  function describe(context) {
    var m = context.dataset.rates[context.dataIndex];
    if (!m.of) { return context.dataset.label + ": none sent yet"; }
    return context.dataset.label + ": " + m.count + " of " + m.of + " = " +
      (m.rate * 100).toFixed(1) + "% (95% CI " + (m.ci95[0] * 100).toFixed(1) + "–" +
      (m.ci95[1] * 100).toFixed(1) + "%)";
  }

  function draw(figures) {
    // Measures come as [name, label] pairs, in the table's order.
    var names = figures.measures.map(function (m) { return m[0]; });
    var titles = {};
    figures.measures.forEach(function (m) { titles[m[0]] = m[1]; });
    // Many campaigns: one measure (replied) across them. A few groups (A/B arms): every
    // measure, one bar per group.
    var manyGroups = figures.groups.length > 3;
    var labels = manyGroups ? figures.groups.map(function (g) { return g.label; })
      : names.map(function (n) { return titles[n]; });
    var datasets = manyGroups ? [{
      label: titles.replied + " (95% CI, %)",
      backgroundColor: colours[0],
      data: figures.groups.map(function (g) { return interval(g.measures.replied); }),
      rates: figures.groups.map(function (g) { return g.measures.replied; })
    }] : figures.groups.map(function (g, i) {
      return {
        label: g.arm ? "Version " + g.arm : g.label,
        backgroundColor: colours[i % colours.length],
        data: names.map(function (n) { return interval(g.measures[n]); }),
        rates: names.map(function (n) { return g.measures[n]; })
      };
    });
    window.Chart.defaults.font.family = "Arial, Helvetica, sans-serif";
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : undefined,
        scales: { x: { min: 0, max: 100, title: { display: true, text: "% of texts sent" } } },
        plugins: { tooltip: { callbacks: { label: describe } } }
      }
    });
    canvas.setAttribute("data-drawn", "true");
  }

  window.fetch(section.dataset.url, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (figures) { if (figures) { draw(figures); } });
}());
