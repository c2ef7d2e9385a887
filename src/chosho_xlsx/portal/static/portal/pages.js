// What the pages do in the browser, from this file rather than inline: the
// Content-Security-Policy (settings.py) allows scripts from the portal's own files only.
// Every page works without it (plain HTML forms and links).
"use strict";

// A slow action (upload, build, confirm) disables its button and says what it is doing,
// so that nobody presses it twice. The form is sent normally.
document.addEventListener("submit", function (event) {
  var button = event.submitter || event.target.querySelector("button[data-busy], button.primary");
  if (!button || !button.dataset.busy) return;
  button.dataset.label = button.textContent;
  button.textContent = button.dataset.busy;
  // disabled after this event, or the browser would leave the button's name out of the form
  window.setTimeout(function () { button.disabled = true; button.classList.add("busy"); }, 0);
  // an answer that is a download (the build's ZIP) leaves the page where it is: live again later
  window.setTimeout(function () { release(button); }, 20000);
});

function release(button) {
  button.disabled = false;
  button.classList.remove("busy");
  if (button.dataset.label) button.textContent = button.dataset.label;
}

// Back from another page (the browser's cache), the button works again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("button.busy").forEach(release);
});

// A select that chooses what the page shows (the dashboard's 実施年度) shows it at once.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});

// Bring a marked cell into view inside its scrolling box (the page scrolls to the box):
// the first marked cell of each sheet at once, and the cell a finding's 場所 links to.
function showCell(cell, focus) {
  var wrap = cell.closest(".gridwrap");
  var details = cell.closest("details");
  if (details) details.open = true;
  if (wrap) {
    wrap.scrollLeft = Math.max(0, cell.offsetLeft - 160);
    wrap.scrollTop = Math.max(0, cell.offsetTop - 120);
  }
  if (focus) {
    cell.focus({ preventScroll: true });
    wrap.scrollIntoView({ block: "center" });
  }
}

document.querySelectorAll(".gridwrap").forEach(function (wrap) {
  var cell = wrap.querySelector("td[data-cell]");
  if (cell) showCell(cell, false);
});

function showLinkedCell() {
  if (!location.hash || location.hash.indexOf("#cell-") !== 0) return;
  var cell = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (cell) showCell(cell, true);
}
window.addEventListener("hashchange", showLinkedCell);
showLinkedCell();
