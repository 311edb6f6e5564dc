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
  // The picker of the document an interpretation explains: without this file it is a search
  // in the form (查找, then 关联 on a result); here it becomes search-as-you-type, an ARIA 1.2
  // combobox whose list is fetched as JSON, the result count read out by a live region.
  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), function (box) {
    var input = box.querySelector("[data-picker-input]");
    var value = box.querySelector("[data-picker-value]");
    var selected = box.querySelector("[data-picker-selected]");
    var status = box.querySelector("[data-picker-status]");
    var search = box.querySelector("[data-picker-search]");
    if (!input || !value || !window.fetch) return;
    var old = box.querySelector("[data-picker-results]");
    if (old) old.parentNode.removeChild(old);
    if (search) search.hidden = true;
    var list = document.createElement("ul");
    list.id = input.id + "-list";
    list.className = "picker-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "匹配的文件");
    list.hidden = true;
    input.parentNode.parentNode.insertBefore(list, input.parentNode.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, n) {
        li.setAttribute("aria-selected", n === i ? "true" : "false");
      });
      if (i >= 0) input.setAttribute("aria-activedescendant", list.children[i].id);
      else input.removeAttribute("aria-activedescendant");
    }
    function choose(i) {
      var c = items[i];
      if (!c) return;
      value.value = String(c.id);
      selected.textContent = "";
      selected.appendChild(document.createTextNode("所解读的文件："));
      var strong = document.createElement("strong");
      strong.textContent = "《" + c.title + "》";
      selected.appendChild(strong);
      var hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = " " + c.detail;
      selected.appendChild(hint);
      status.textContent = "已关联《" + c.title + "》，保存草稿后生效";
      close();
    }
    function show(results) {
      items = results;
      list.textContent = "";
      results.forEach(function (c, n) {
        var li = document.createElement("li");
        li.id = list.id + "-" + n;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = "《" + c.title + "》 " + c.detail;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(n); });
        list.appendChild(li);
      });
      status.textContent = results.length ? "找到 " + results.length + " 份文件，用上下方向键选择，回车关联" : "没有找到匹配的文件";
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      highlight(-1);
    }
    function ask() {
      var q = input.value.trim();
      if (!q) { show([]); status.textContent = ""; return; }
      var mine = ++asked;
      fetch(box.getAttribute("data-picker-url") + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (results) { if (mine === asked) show(results); })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === "Enter") { e.preventDefault(); if (active >= 0) choose(active); else { clearTimeout(timer); ask(); } }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
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
