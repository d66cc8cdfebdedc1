// Keeps "waiting" times in the urgent queue current without reloading the page.
(function () {
  "use strict";
  function describe(minutes) {
    if (minutes < 60) { return minutes + " min"; }
    if (minutes < 2880) { return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min"; }
    return Math.floor(minutes / 1440) + " days";
  }
  function refresh() {
    var now = Date.now();
    document.querySelectorAll(".waiting[data-received]").forEach(function (el) {
      var received = Date.parse(el.getAttribute("data-received"));
      if (!isNaN(received)) {
        el.textContent = describe(Math.max(0, Math.floor((now - received) / 60000)));
      }
    });
  }
  refresh();
  window.setInterval(refresh, 30000);
}());
