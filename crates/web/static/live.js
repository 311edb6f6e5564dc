// 图文直播：在页面上加入通过 Server-Sent Events 到达的新内容（新发布、修改、撤回、公开的提问和回答）。
// 不自动刷新页面，不移动焦点；新内容到达时只在屏幕阅读器的礼貌提示区说一句。没有脚本时，页面上的
// “刷新”链接照常可用。断线后浏览器带着 Last-Event-ID 重连，服务器补发错过的内容。
(function () {
  'use strict';
  var feed = document.getElementById('live-feed');
  if (!feed || !window.EventSource) return;
  var qa = document.getElementById('live-qa');
  var news = document.getElementById('live-news');
  var status = document.getElementById('live-status');
  var url = '/live/' + feed.getAttribute('data-blog') + '/events?last_event_id=' + feed.getAttribute('data-last');
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function renderPost(p) {
    var li = el('li', 'live-post live-' + p.kind + (p.state === 'retracted' ? ' live-retracted' : ''));
    li.id = 'post-' + p.id;
    li.setAttribute('data-id', p.id);
    var meta = el('p', 'live-time');
    meta.appendChild(el('time', '', p.time));
    if (p.edited) { meta.appendChild(document.createTextNode(' ')); meta.appendChild(el('span', 'tag tag-grey', '已修改')); }
    li.appendChild(meta);
    if (p.state === 'retracted') {
      li.appendChild(el('p', 'live-notice', '此条内容已撤回' + (p.retract_note ? '：' + p.retract_note : '')));
    } else if (p.kind === 'photo') {
      var fig = el('figure');
      if (p.image_url) { var img = el('img'); img.src = p.image_url; img.alt = p.alt; fig.appendChild(img); }
      if (p.text) fig.appendChild(el('figcaption', '', p.text));
      li.appendChild(fig);
    } else if (p.kind === 'quote') {
      var q = el('blockquote');
      q.appendChild(el('p', '', p.text));
      q.appendChild(el('footer', '', '——' + p.speaker));
      li.appendChild(q);
    } else {
      p.text.split('\n').forEach(function (line) { if (line.trim()) li.appendChild(el('p', '', line)); });
    }
    return li;
  }
  function renderQuestion(q) {
    var li = el('li');
    li.id = 'question-' + q.id;
    li.setAttribute('data-id', q.id);
    var who = el('p');
    who.appendChild(el('strong', '', q.name));
    who.appendChild(document.createTextNode(' '));
    who.appendChild(el('time', 'hint', q.time));
    li.appendChild(who);
    li.appendChild(el('p', '', '问：' + q.text));
    if (q.answer) li.appendChild(el('p', 'live-answer', '答：' + q.answer));
    return li;
  }
  function place(list, node, empty) {
    var old = document.getElementById(node.id);
    if (old) { list.replaceChild(node, old); return false; }
    list.insertBefore(node, list.firstChild);
    var hint = document.getElementById(empty);
    if (hint) hint.remove();
    return true;
  }
  function tell(text) { news.textContent = ''; window.setTimeout(function () { news.textContent = text; }, 50); }
  var source = new EventSource(url);
  source.addEventListener('post', function (e) {
    var p = JSON.parse(e.data);
    var node = renderPost(p);
    if (place(feed, node, 'live-empty')) { node.classList.add('live-new'); tell('有一条新的直播内容'); }
  });
  source.addEventListener('question', function (e) {
    var q = JSON.parse(e.data);
    if (place(qa, renderQuestion(q), 'live-qa-empty')) tell('有一条新的网民提问');
  });
  source.addEventListener('question_hidden', function (e) {
    var gone = document.getElementById('question-' + JSON.parse(e.data).id);
    if (gone) gone.remove();
  });
  source.addEventListener('status', function (e) {
    var s = JSON.parse(e.data);
    status.textContent = s.label;
    status.className = 'tag' + (s.status === 'live' ? '' : ' tag-grey');
    tell('直播' + s.label);
    if (s.status === 'ended') source.close();
  });
  document.body.setAttribute('data-live', 'listening');
})();
