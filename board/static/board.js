// Live overview: a short poll of /now/version; when anything changed, reload the page.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var version = live.getAttribute("data-version");
  var every = Math.max(2, Number(live.getAttribute("data-poll")) || 5) * 1000;
  function check() {
    fetch("/now/version", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.version && body.version !== version) { window.location.reload(); }
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { window.setTimeout(check, every); });
  }
  window.setTimeout(check, every);
})();
