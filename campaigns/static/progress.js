// Live campaign progress: polls the progress endpoint while the campaign is sending.
(function () {
  "use strict";
  var panel = document.getElementById("progress");
  if (!panel) { return; }
  var live = ["sending", "paused", "approved", "scheduled"];
  if (live.indexOf(panel.dataset.state) < 0) { return; }
  var bar = document.getElementById("progress-bar");
  function update() {
    fetch(panel.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        panel.querySelectorAll("[data-k]").forEach(function (el) {
          if (data[el.dataset.k] !== undefined) { el.textContent = data[el.dataset.k]; }
        });
        if (data.state !== panel.dataset.state) { window.location.reload(); return; }
        if (live.indexOf(data.state) >= 0) { setTimeout(update, 1000); }
      })
      .catch(function () { setTimeout(update, 3000); });
  }
  setTimeout(update, 1000);
})();
