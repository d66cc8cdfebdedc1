// The results dashboard's charts, drawn with the vendored Chart.js from the JSON endpoint.
// The tables beside each chart hold the same figures, for screen readers and without JS.
(function () {
  "use strict";
  var section = document.getElementById("results");
  if (!section || !window.fetch || typeof window.Chart === "undefined") { return; }
  var Chart = window.Chart;
  var colours = {
    blue: "#1d70b8", green: "#00703c", purple: "#4c2c92", red: "#d4351c",
    orange: "#f47738", grey: "#505a5f", black: "#0b0c0c"
  };
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.font.family = "Arial, Helvetica, sans-serif";
  Chart.defaults.font.size = 14;
  Chart.defaults.color = colours.black;
  if (still) { Chart.defaults.animation = false; }
  var charts = {};

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].update(still ? "none" : undefined);
      return;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
    charts[id] = new Chart(canvas, config);
  }

  function londonTime(iso, withDate) {
    var options = { timeZone: "Europe/London", hour: "2-digit", minute: "2-digit" };
    if (withDate) { options.day = "numeric"; options.month = "short"; } else { options.second = "2-digit"; }
    return new Date(iso).toLocaleString("en-GB", options);
  }

  function render(data) {
    var f = data.funnel;
    draw("funnel-chart", {
      type: "bar",
      data: {
        labels: ["Recipients", "Accepted", "Delivered", "Replied", "Failed", "Opted out"],
        datasets: [{
          label: "Texts",
          data: [f.recipients, f.accepted, f.delivered, f.replied, f.failed, f.opted_out],
          backgroundColor: [colours.blue, colours.blue, colours.green, colours.purple, colours.red, colours.orange]
        }]
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    var t = data.timeline;
    var long = t.bucket_seconds >= 3600;
    draw("timeline-chart", {
      type: "line",
      data: {
        labels: t.labels.map(function (iso) { return londonTime(iso, long); }),
        datasets: [
          { label: "Sent", data: t.sent, borderColor: colours.blue, backgroundColor: colours.blue, tension: 0 },
          { label: "Delivered", data: t.delivered, borderColor: colours.green, backgroundColor: colours.green, borderDash: [6, 3], tension: 0 },
          { label: "Replies", data: t.replies, borderColor: colours.purple, backgroundColor: colours.purple, borderDash: [2, 2], tension: 0 }
        ]
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Texts per " + (t.bucket_seconds < 60 ? t.bucket_seconds + " s" : (t.bucket_seconds / 60) + " min") } } }
      }
    });
    if (data.failures.length) {
      draw("failures-chart", {
        type: "bar",
        data: {
          labels: data.failures.map(function (r) { return (r.code === null ? "" : r.code + ": ") + r.description; }),
          datasets: [{ label: "Failed texts", data: data.failures.map(function (r) { return r.count; }), backgroundColor: colours.red }]
        },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
    section.dataset.drawn = "true";
  }

  function load() {
    fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        render(data);
        if (data.state === "sending" || data.state === "paused") { setTimeout(load, 5000); }
      })
      .catch(function () { setTimeout(load, 10000); });
  }
  load();
})();
