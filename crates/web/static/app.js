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
    var label = link.querySelector("[data-elder-label]") || link;
    label.textContent = on ? link.getAttribute("data-label-off") : link.getAttribute("data-label-on");
    var extra = link.querySelector("[data-elder-extra]");
    if (extra) extra.hidden = on;
    var back = link.getAttribute("href").replace(/on=[01]/, "on=" + (on ? "0" : "1"));
    link.setAttribute("href", back);
  });

  // Ask before destructive console actions (closing a unit, revoking a token).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // On a phone the search filters start folded under 「筛选」 so that the results come first;
  // without JavaScript they stay open, after the results.
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 760px)") : null;
  var foldable = document.querySelectorAll("details[data-collapse-narrow]");
  function fold() {
    for (var i = 0; i < foldable.length; i++) {
      if (narrow.matches) foldable[i].removeAttribute("open");
      else foldable[i].setAttribute("open", "");
    }
  }
  if (narrow && foldable.length) {
    fold();
    if (narrow.addEventListener) narrow.addEventListener("change", fold);
  }

  // Document tools: print, and a larger or smaller text size for the body (kept per browser).
  var tools = document.querySelector("[data-doc-tools]");
  var body = document.querySelector(".doc-body");
  if (tools && body) {
    var sizes = ["1rem", "1.05rem", "1.25rem", "1.45rem"];
    var current = Number(window.localStorage && localStorage.getItem("gk_doc_size")) || 1;
    var status = tools.querySelector("[data-size-status]");
    var apply = function (n) {
      current = Math.max(0, Math.min(sizes.length - 1, n));
      body.style.fontSize = sizes[current];
      if (status) status.textContent = "字号：" + ["小", "中", "大", "特大"][current];
      try { localStorage.setItem("gk_doc_size", String(current)); } catch (e) { /* private mode */ }
    };
    if (current !== 1) apply(current);
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var action = button.getAttribute("data-action");
      if (action === "print") window.print();
      if (action === "larger") apply(current + 1);
      if (action === "smaller") apply(current - 1);
    });
  }

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
