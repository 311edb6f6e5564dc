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

// ---- Applicants (issue 13): copy the tracking number and query code; print the receipt ----
(function () {
  "use strict";
  var status = document.getElementById("copy-status");
  if (status && navigator.clipboard && window.isSecureContext !== false) {
    [["tracking-no", "申请编号"], ["query-code", "查询码"]].forEach(function (pair) {
      var number = document.getElementById(pair[0]);
      if (!number) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary copy-button";
      button.textContent = "复制" + pair[1];
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(number.textContent.trim()).then(
          function () { status.textContent = "已复制" + pair[1] + "：" + number.textContent.trim(); },
          function () { status.textContent = "无法自动复制，请手动记下" + pair[1]; }
        );
      });
      number.parentNode.insertAdjacentElement("afterend", button);
    });
  }
  var print = document.querySelector("[data-print]");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
