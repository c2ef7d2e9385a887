// The job page refreshes itself: its bar from status.json every 2 s, and the whole page
// once the job has ended (the page is complete without this script: reload shows the same).
(function () {
  var box = document.querySelector("[data-job-status]");
  if (!box) return;
  var url = box.getAttribute("data-job-status");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-job-text]");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) return;
        if (["done", "failed", "cancelled"].indexOf(job.status) >= 0) { window.location.reload(); return; }
        if (job.progress.total > 0) { bar.max = job.progress.total; bar.value = job.progress.done; }
        text.textContent = (job.stage ? job.stage + " " : "") + job.progress.done + " / " + job.progress.total + " 調書";
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
