// A "Print" button (the Content-Security-Policy allows no inline script and no javascript: links).
document.getElementById('print')?.addEventListener('click', function () { window.print(); });
