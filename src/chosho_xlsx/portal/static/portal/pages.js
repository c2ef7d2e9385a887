// What the pages do in the browser, from this file rather than inline: the
// Content-Security-Policy (settings.py) allows scripts from the portal's own files only.
// Every page works without it.
(function () {
  // a choice that stands for its form's button (the dashboard's 実施年度)
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // bring the first marked cell of each sheet into view (it may be far to the right)
  document.querySelectorAll(".gridwrap").forEach(function (wrap) {
    var cell = wrap.querySelector("td[data-cell]");
    if (cell) { wrap.scrollLeft = Math.max(0, cell.offsetLeft - 160); wrap.scrollTop = Math.max(0, cell.offsetTop - 120); }
  });
})();
