// Campaign pages: the template's live preview and audience estimate (Create), the live progress bar and chart (Details).
// A file of its own because the Content-Security-Policy allows no inline script.
(function () {
  'use strict';

  function debounce(fn, ms) {
    var timer;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  // Fetches JSON for a part of the page that must show the answer to its latest request only: answers can come back out of
  // order (a busy server), so each request aborts the one before it, and an answer that still arrives for an older request
  // (or a null one, for a failed request) is dropped. Returns function (url) that fetches url and calls show(json).
  function latestOnly(show) {
    var latest = 0;
    var controller = null;
    return function (url) {
      var request = ++latest;
      if (controller) { controller.abort(); }
      controller = typeof AbortController === 'function' ? new AbortController() : null;
      fetch(url, { credentials: 'same-origin', signal: controller ? controller.signal : undefined })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && request === latest) { show(data); }
        }, function (error) {
          // Aborted because a newer request was made: nothing to show. Other failures of the latest request are reported.
          if (request === latest && !(error && error.name === 'AbortError')) { throw error; }
        });
    };
  }

  var form = document.getElementById('campaign-form');
  if (form) {
    var body = document.getElementById('body');
    var trackLinks = document.getElementById('Input_TrackLinks');
    var previewUrl = form.dataset.previewUrl;
    var audienceUrl = form.dataset.audienceUrl;
    var set = function (id, value) { document.getElementById(id).textContent = value; };

    var showPreview = latestOnly(function (p) {
      set('preview-text', p.text.rendered);
      set('preview-encoding', p.text.encoding);
      set('preview-characters', p.text.characters + ' (' + (p.text.segments > 1 ? p.text.multiPartLimit : p.text.singlePartLimit) + ' per segment)');
      set('preview-segments', p.text.segments);
      set('preview-credits', p.creditsPerRecipient);
      // An A/B test: each variant's segments; the credits above are the longest's, as they are reserved.
      var variants = document.getElementById('preview-variants');
      if (variants) {
        var segments = p.variantSegments || [];
        variants.textContent = segments.map(function (s, i) { return String.fromCharCode(65 + i) + ' ' + s; }).join(' · ') + (segments.length ? ' (credits at the longest)' : '');
        variants.classList.toggle('d-none', !segments.length);
        document.getElementById('preview-variants-label').classList.toggle('d-none', !segments.length);
      }
      var warning = document.getElementById('preview-ucs2');
      if (p.text.switchedToUcs2By) {
        warning.textContent = 'UCS-2: the character ' + p.text.switchedToUcs2By + ' is not in the GSM-7 alphabet, so every segment holds 70 characters (67 when split). Remove it to go back to 160.';
        warning.classList.remove('d-none');
      } else {
        warning.classList.add('d-none');
      }
      // Placeholders that are neither {first_name} nor one of the company's contact fields.
      var problems = document.getElementById('preview-problems');
      if (problems) {
        problems.textContent = (p.problems || []).join(' ');
        problems.classList.toggle('d-none', !(p.problems && p.problems.length));
      }
    });
    // The sender matters: an alphanumeric Sender ID cannot be answered, so the opt-out route is appended and counted.
    var sender = document.getElementById('Input_SenderId');
    // The lists matter too: contact fields render with their longest value among the ticked lists' contacts.
    var preview = debounce(function () {
      var query = '?text=' + encodeURIComponent(body.value) + (sender ? '&sender=' + encodeURIComponent(sender.value) : '')
        + (trackLinks ? '&trackLinks=' + trackLinks.checked : '');
      document.querySelectorAll('input[name="Input.ListIds"]:checked').forEach(function (c) { query += '&lists=' + encodeURIComponent(c.value); });
      var segment = document.getElementById('Input_SegmentId');
      if (segment && segment.value) { query += '&segment=' + encodeURIComponent(segment.value); }
      if (abTest && abTest.checked) {
        document.querySelectorAll('.ab-body').forEach(function (b) { if (b.value.trim()) { query += '&variants=' + encodeURIComponent(b.value); } });
      }
      showPreview(previewUrl + query);
    }, 150);
    // An A/B test's bodies are measured too (the credits are the longest's).
    var abTest = document.getElementById('Input_AbTest');
    if (abTest) { abTest.addEventListener('change', preview); }
    document.querySelectorAll('.ab-body').forEach(function (b) { b.addEventListener('input', preview); });
    body.addEventListener('input', preview);
    if (sender) { sender.addEventListener('change', preview); }
    if (trackLinks) { trackLinks.addEventListener('change', preview); }
    preview();

    var showEstimate = latestOnly(function (a) {
      if (a.segment) {
        set('audience-estimate', 'About ' + a.listContacts + ' recipients in the segment (' + a.suppressed + ' opted out or suppressed left out).');
        return;
      }
      set('audience-estimate', 'About ' + (a.subscribers + a.listContacts) + ' recipients: ' + a.subscribers + ' subscribers, ' +
        a.listContacts + ' list contacts (' + a.suppressed + ' opted out or suppressed left out). Duplicates across them are sent once.');
    });
    var estimate = debounce(function () {
      var params = new URLSearchParams();
      var subscribers = document.getElementById('Input_IncludeSubscribers');
      params.set('subscribers', subscribers && subscribers.checked ? 'true' : 'false');
      document.querySelectorAll('input[name="Input.ListIds"]:checked').forEach(function (c) { params.append('lists', c.value); });
      var segment = document.getElementById('Input_SegmentId');
      if (segment && segment.value) { params.set('segment', segment.value); }
      showEstimate(audienceUrl + '?' + params.toString());
    }, 150);
    document.querySelectorAll('.audience').forEach(function (c) { c.addEventListener('change', estimate); c.addEventListener('change', preview); });
    estimate();

    // The main button says what it will do: send now without a time, schedule with one.
    var sendAt = document.getElementById('Input_SendAt');
    var go = document.getElementById('schedule');
    if (sendAt && go) {
      var label = function () { go.textContent = sendAt.value ? 'Schedule' : 'Send now'; };
      sendAt.addEventListener('input', label);
      sendAt.addEventListener('change', label);
      label();
    }
  }

  // Segment editor: each condition offers only the operators its subject takes, and the count follows the form.
  var segmentForm = document.getElementById('segment-form');
  if (segmentForm) {
    var setText = function (id, value) { document.getElementById(id).textContent = value; };
    var fitOperators = function (row) {
      var subject = row.querySelector('.segment-subject');
      var op = row.querySelector('.segment-op');
      var value = row.querySelector('.segment-value');
      var chosen = subject.options[subject.selectedIndex];
      var kind = chosen ? chosen.dataset.kind : '';
      var firstFitting = null;
      Array.prototype.forEach.call(op.options, function (option) {
        var fits = !kind || (' ' + option.dataset.kinds + ' ').indexOf(' ' + kind + ' ') >= 0;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits && !firstFitting) { firstFitting = option; }
      });
      if (op.selectedOptions.length && op.selectedOptions[0].disabled && firstFitting) { op.value = firstFitting.value; }
      if (kind === 'keyword') { value.setAttribute('list', 'segment-keywords'); } else { value.removeAttribute('list'); }
      var selected = op.options[op.selectedIndex];
      value.disabled = !!selected && ['ever', 'never', 'empty', 'not_empty'].indexOf(selected.value) >= 0;
    };
    var showCount = latestOnly(function (c) {
      if (c.problems && c.problems.length) {
        setText('segment-count', '?');
        setText('segment-count-detail', c.problems.join(' '));
        return;
      }
      setText('segment-count', c.sendable + (c.sendable === 1 ? ' person' : ' people'));
      setText('segment-count-detail', c.people + ' match; ' + c.suppressed + ' of them opted out or suppressed, left out of any campaign.');
    });
    var count = debounce(function () {
      var params = new URLSearchParams();
      new FormData(segmentForm).forEach(function (value, key) {
        if (key !== '__RequestVerificationToken') { params.append(key, value); }
      });
      showCount(segmentForm.dataset.countUrl + '&' + params.toString());
    }, 250);
    segmentForm.querySelectorAll('.segment-rule').forEach(function (row) {
      fitOperators(row);
      row.querySelector('.segment-subject').addEventListener('change', function () { fitOperators(row); });
      row.querySelector('.segment-op').addEventListener('change', function () { fitOperators(row); });
    });
    segmentForm.addEventListener('input', count);
    segmentForm.addEventListener('change', count);
    count();
  }

  var progress = document.getElementById('progress');
  if (progress) {
    var bar = document.getElementById('progress-bar');
    var show = function (percent) {
      bar.style.width = percent + '%';
      bar.textContent = percent + '%';
      bar.setAttribute('aria-valuenow', percent);
    };
    show(parseInt(bar.dataset.percent, 10) || 0);

    // The badge's colour and the actions follow the status as it changes (as CampaignView.Badge and Details.cshtml render them).
    var badges = { Sending: 'primary', Scheduled: 'info', Completed: 'success', Paused: 'warning', NeedsAttention: 'danger' };
    var actions = { pause: ['Sending', 'Scheduled'], resume: ['Paused'], cancel: ['Draft', 'Scheduled', 'Sending', 'Paused', 'NeedsAttention'] };

    var chart = null;
    var canvas = document.getElementById('chart');
    if (canvas && window.Chart) {
      chart = new window.Chart(canvas, {
        type: 'line',
        data: { labels: [], datasets: [
          { label: 'Sent', data: [], borderColor: '#0d6efd', tension: 0.2 },
          { label: 'Delivered', data: [], borderColor: '#198754', tension: 0.2 },
          { label: 'Failed', data: [], borderColor: '#dc3545', tension: 0.2 }
        ] },
        options: { animation: false, scales: { y: { beginAtZero: true } } }
      });
    }

    var source = new EventSource(progress.dataset.eventsUrl);
    source.onmessage = function (event) {
      var p = JSON.parse(event.data);
      show(p.percent);
      document.querySelectorAll('[data-counter]').forEach(function (el) {
        var value = p[el.dataset.counter];
        if (value !== undefined) { el.textContent = value; }
      });
      var status = document.getElementById('status');
      status.textContent = p.status === 'NeedsAttention' ? 'Needs attention' : p.status;
      status.className = status.className.replace(/\btext-bg-\w+/, 'text-bg-' + (badges[p.status] || 'secondary'));
      Object.keys(actions).forEach(function (id) {
        var button = document.getElementById(id);
        if (button) { button.form.classList.toggle('d-none', actions[id].indexOf(p.status) < 0); }
      });
      [['pending-note', p.pendingNote], ['quiet-note', p.quietNote]].forEach(function (note) {
        var el = document.getElementById(note[0]);
        if (el) {
          el.textContent = note[1] || '';
          el.classList.toggle('d-none', !note[1]);
        }
      });
      (p.links || []).forEach(function (link) {
        var row = document.querySelector('[data-link="' + link.index + '"]');
        if (row) {
          row.querySelector('[data-clicks]').textContent = link.clicks;
          row.querySelector('[data-unique-clicks]').textContent = link.uniqueClicks;
        }
      });
      if (p.attentionReason) {
        var attention = document.getElementById('attention');
        attention.textContent = p.attentionReason;
        attention.classList.remove('d-none');
      }
      if (chart) {
        chart.data.labels.push(new Date(p.at).toLocaleTimeString());
        chart.data.datasets[0].data.push(p.submitted);
        chart.data.datasets[1].data.push(p.delivered);
        chart.data.datasets[2].data.push(p.failed);
        if (chart.data.labels.length > 600) {
          chart.data.labels.shift();
          chart.data.datasets.forEach(function (d) { d.data.shift(); });
        }
        chart.update();
      }
      if (p.finished) { source.close(); }
    };
  }
})();
