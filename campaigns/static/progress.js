// Live campaign progress: polls the progress endpoint while the campaign is sending.
// Without JavaScript the page shows the figures as they were when it loaded.
(function () {
  "use strict";
  var panel = document.getElementById("progress");
  if (!panel || !window.fetch) { return; }
  var live = ["sending", "paused", "approved", "scheduled"];
  if (live.indexOf(panel.dataset.state) < 0) { return; }
  var bar = document.getElementById("progress-bar");
  var announce = document.getElementById("progress-announce");
  var lastQuarter = -1;

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    panel.querySelectorAll("[data-k]").forEach(function (el) {
      if (data[el.dataset.k] !== undefined) { el.textContent = data[el.dataset.k]; }
    });
    // Tell screen-reader users at each quarter, not every second.
    var quarter = Math.floor(data.percent / 25);
    if (announce && quarter !== lastQuarter) {
      lastQuarter = quarter;
      announce.textContent = data.percent + "% done";
    }
  }

  function update() {
    fetch(panel.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(update, 5000); return; }
        show(data);
        if (data.state !== panel.dataset.state) {
          // New state, new controls (resume, results): let the server draw them.
          setTimeout(function () { window.location.reload(); }, 800);
          return;
        }
        if (live.indexOf(data.state) >= 0) { setTimeout(update, 1000); }
      })
      .catch(function () { setTimeout(update, 3000); });
  }
  setTimeout(update, 1000);
})();
