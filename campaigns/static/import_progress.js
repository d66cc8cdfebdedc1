// Background import progress: polls the job's JSON until it is done or refused, then reloads.
(function () {
  "use strict";
  var panel = document.getElementById("import-job");
  if (!panel || ["done", "refused", "failed"].indexOf(panel.dataset.state) >= 0) { return; }
  var bar = document.getElementById("import-bar");
  var stage = document.getElementById("import-stage");
  function poll() {
    fetch(panel.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(poll, 2000); return; }
        bar.value = Math.round(data.fraction * 100);
        bar.textContent = bar.value + "%";
        stage.textContent = data.stage;
        if (["done", "refused", "failed"].indexOf(data.state) >= 0) { window.location.reload(); return; }
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();
