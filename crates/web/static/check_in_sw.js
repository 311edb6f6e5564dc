// The check-in page's service worker: the check-in pages and the site's assets are answered
// from the network when there is one (and kept), from what was kept when there is none, so a
// phone at the door can reload the page offline. Nothing else is cached.
'use strict';
var CACHE = 'gk-check-in-v1';
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) { e.waitUntil(self.clients.claim()); });
// The page sends the addresses it needs offline (itself, its stylesheet and scripts) once the
// worker is active, and is told when they are kept.
self.addEventListener('message', function (e) {
  var urls = (e.data && e.data.keep) || [];
  var port = e.ports && e.ports[0];
  e.waitUntil(caches.open(CACHE).then(function (c) {
    return Promise.all(urls.map(function (u) {
      return fetch(u, { credentials: 'same-origin' }).then(function (res) { if (res.ok) return c.put(u, res); });
    }));
  }).then(function () { if (port) port.postMessage('kept'); }, function () { if (port) port.postMessage('failed'); }));
});
self.addEventListener('fetch', function (e) {
  var req = e.request;
  if (req.method !== 'GET') return;
  var path = new URL(req.url).pathname;
  if (!/\/check-in$/.test(path) && path.indexOf('/static/') !== 0) return;
  e.respondWith(fetch(req).then(function (res) {
    if (res.ok) {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { return c.put(req, copy); });
    }
    return res;
  }).catch(function () {
    return caches.match(req).then(function (hit) { return hit || Response.error(); });
  }));
});
