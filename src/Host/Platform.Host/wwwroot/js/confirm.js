// Destructive buttons ask first: a button (or its form) with data-confirm="…" submits only once the person agrees.
// A file of its own, loaded by the layout on every page, because the Content-Security-Policy allows no inline script.
document.addEventListener('submit', function (event) {
  var source = event.submitter && event.submitter.hasAttribute('data-confirm') ? event.submitter : event.target;
  var question = source && source.getAttribute ? source.getAttribute('data-confirm') : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
