// 入场签到（管理后台）：在门口用手机输入或扫描报名码。网络不可用时，报名码保存在本机的队列中，
// 恢复网络后一次提交；服务器对已签到的报名码不重复计数，所以队列重发也不会多计。没有脚本时，
// 页面上的表单照常逐次提交。
(function () {
  'use strict';
  var form = document.getElementById('check-in-form');
  if (!form || !window.fetch || !window.localStorage) return;
  var csrf = form.querySelector('input[name=csrf]').value;
  var key = 'gk-check-in-' + form.getAttribute('data-event');
  var status = document.getElementById('check-in-status');
  var attended = document.getElementById('attended');
  var queued = document.getElementById('queued');
  var list = document.getElementById('check-in-results');
  function load() {
    try { return JSON.parse(localStorage.getItem(key) || '[]'); } catch (e) { return []; }
  }
  function keep(q) {
    localStorage.setItem(key, JSON.stringify(q));
    queued.textContent = String(q.length);
    queued.parentNode.hidden = q.length === 0;
  }
  function say(text) { status.textContent = text; }
  function show(results) {
    results.forEach(function (r) {
      var li = document.createElement('li');
      li.className = r.counted ? 'check-ok' : 'check-warn';
      li.textContent = r.code + '：' + r.message + (r.name ? '（' + r.name + '）' : '');
      list.insertBefore(li, list.firstChild);
    });
  }
  function send(codes) {
    var body = new URLSearchParams();
    body.set('csrf', csrf);
    body.set('codes', codes.join('\n'));
    return fetch(form.action, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf }
    }).then(function (res) {
      if (!res.ok) throw new Error('status ' + res.status);
      return res.json();
    }).then(function (out) {
      attended.textContent = String(out.counts.checked_in);
      show(out.results);
      return out;
    });
  }
  var flushing = false;
  function flush() {
    var q = load();
    if (!q.length || flushing || !navigator.onLine) return;
    flushing = true;
    send(q).then(function () {
      keep(load().slice(q.length));
      say('离线期间保存的 ' + q.length + ' 个报名码已同步。');
    }).catch(function () { /* still offline: try again later */ }).then(function () { flushing = false; });
  }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = form.querySelector('[name=codes]');
    var codes = input.value.split(/[\s,，]+/).filter(Boolean);
    if (!codes.length) return;
    input.value = '';
    input.focus();
    function queue() {
      keep(load().concat(codes));
      say('网络不可用，' + codes.join('、') + ' 已保存在本机，恢复网络后自动同步。');
    }
    if (!navigator.onLine) { queue(); return; }
    send(codes).then(function (out) {
      say(out.results.map(function (r) { return r.message; }).join('；'));
    }).catch(queue);
  });
  window.addEventListener('online', flush);
  setInterval(function () {
    flush();
    if (!navigator.onLine) return;
    fetch(form.getAttribute('data-counts'), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) { if (c) attended.textContent = String(c.checked_in); })
      .catch(function () {});
  }, 10000);
  keep(load());
  flush();
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/admin/open-days/check-in-sw.js', { scope: '/admin/open-days/' }).catch(function () {});
    // Keep this page and what it loads, so it opens again without the network.
    navigator.serviceWorker.ready.then(function (reg) {
      var urls = [location.href];
      document.querySelectorAll('link[rel=stylesheet], script[src]').forEach(function (el) { urls.push(el.href || el.src); });
      var channel = new MessageChannel();
      channel.port1.onmessage = function (m) { if (m.data === 'kept') form.setAttribute('data-offline-ready', 'true'); };
      reg.active.postMessage({ keep: urls }, [channel.port2]);
    });
  }
})();
