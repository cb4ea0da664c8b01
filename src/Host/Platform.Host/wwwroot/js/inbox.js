// Inbox pages: the list and an open conversation update themselves, and the nav's unread badge follows.
// The server streams {"unread": n} (server-sent events) whenever the company's inbox changes; the page then fetches
// what changed: the list's rows, or the thread's entries after the last one shown (which marks them read).
// A file of its own because the Content-Security-Policy allows no inline script.
(function () {
  'use strict';

  var badge = document.getElementById('nav-inbox-unread');
  function showUnread(n) {
    if (!badge) { return; }
    badge.textContent = n;
    badge.classList.toggle('d-none', !(n > 0));
  }

  // Runs refresh() now, or once more after the one in flight: never two at once, and nothing missed.
  function serialised(refresh) {
    var running = false, again = false;
    function run() {
      if (running) { again = true; return; }
      running = true;
      again = false;
      refresh().catch(function () { /* the next event tries again */ }).then(function () {
        running = false;
        if (again) { run(); }
      });
    }
    return run;
  }

  var list = document.getElementById('inbox');
  var thread = document.getElementById('thread-entries');
  var refresh = null;

  if (list && list.dataset.rowsUrl) {
    refresh = serialised(function () {
      return fetch(list.dataset.rowsUrl, { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { list.innerHTML = html; } });
    });
  }

  if (thread && thread.dataset.live === 'true') {
    var lastId = function () {
      var entries = thread.querySelectorAll('[data-entry]');
      return entries.length ? entries[entries.length - 1].dataset.entry : '0';
    };
    refresh = serialised(function () {
      return fetch(thread.dataset.entriesUrl + '?after=' + encodeURIComponent(lastId()), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html && html.trim()) {
            thread.insertAdjacentHTML('beforeend', html);
            thread.lastElementChild.scrollIntoView({ block: 'nearest' });
          }
        });
    });
    if (thread.lastElementChild) { thread.lastElementChild.scrollIntoView({ block: 'nearest' }); }
  }

  var form = document.getElementById('reply-form');
  if (form) {
    var text = document.getElementById('reply-text');
    var count = document.getElementById('reply-count');
    text.addEventListener('input', function () { count.textContent = text.value.length; });
    // One click, one reply: the button waits for the answer.
    form.addEventListener('submit', function () {
      document.getElementById('send-reply').disabled = true;
    });
  }

  var root = list || thread;
  if (root && root.dataset.inboxEvents && typeof EventSource === 'function') {
    var source = new EventSource(root.dataset.inboxEvents);
    source.onmessage = function (event) {
      showUnread(JSON.parse(event.data).unread);
      // Also on the first event (and the first after a reconnect): something may have arrived since the page was drawn.
      if (refresh) { refresh(); }
    };
    window.addEventListener('pagehide', function () { source.close(); });
  }
})();
