// gongkai: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";

  // Switch the elder-friendly mode at once instead of reloading; the link still works
  // without JavaScript (the server sets the same cookie and redirects back).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-elder-toggle]");
    if (!link) return;
    event.preventDefault();
    var root = document.documentElement;
    var on = !root.classList.contains("elder");
    root.classList.toggle("elder", on);
    document.cookie = "gk_elder=" + (on ? "1" : "0") + "; path=/; max-age=31536000; samesite=lax";
    link.textContent = on ? link.getAttribute("data-label-off") : link.getAttribute("data-label-on");
    var back = link.getAttribute("href").replace(/on=[01]/, "on=" + (on ? "0" : "1"));
    link.setAttribute("href", back);
  });

  // Ask before destructive console actions (closing a unit, revoking a token).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Put the focus on the error summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
