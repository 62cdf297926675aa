// faqbot studio: the only script. Every page works without it; it adds one thing: the knowledge base
// page reloads itself when faq.yaml (or the interview) changes on disk.
(function () {
  "use strict";
  var kb = document.getElementById("kb");
  if (!kb) { return; }
  var shown = kb.getAttribute("data-version");
  function look() {
    fetch("/kb/version", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (v) { if (v && v.version !== shown) { window.location.reload(); } })
      .catch(function () { /* the studio stopped: try again later */ });
  }
  window.setInterval(look, 1500);
})();
