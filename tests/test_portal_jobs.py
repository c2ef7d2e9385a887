"""The portal's jobs (issue 23): the year's book through the API from start to the
downloaded PDF, cancel, a worker killed mid-job, two workers on one database without
overlap, and the rules of starting one. Run on SQLite here and on PostgreSQL by
test_portal_postgres.py. The worker is `chosho-xlsx worker` (a subprocess), or its loop
in this process (support.portal.run_jobs) where nothing has to be killed."""

from __future__ import annotations

import signal
import subprocess
import time

import pikepdf
import pytest

from support.portal import (
    api,
    executable,
    good_workbook,
    other_department_workbook,
    portal_env,
    run_jobs,
    token_for,
)
from support.skips import needs_libreoffice

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]


def _submitted(people, tmp_path) -> list:
    """Two 施策 of R6 submitted, one by each department."""
    from chosho_xlsx.portal.services import files, review

    ups = []
    for who, path in (("a", good_workbook(tmp_path)), ("b", other_department_workbook(tmp_path))):
        up, _ = files.receive(people[who], path.read_bytes(), path.name)
        review.submit(people[who], up, "確認しました")
        ups.append(up)
    return ups


def _start(token, **body):
    import json

    return api(None, "post", "/api/v1/jobs", token, data=json.dumps(body), content_type="application/json")


def _job(pk: int):
    from chosho_xlsx.portal.models import Job

    return Job.objects.get(pk=pk)


def _worker(data, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([executable(), "worker", "--data", str(data), "--interval", "0.2", *args],
                            env={**portal_env(data), **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(predicate, seconds: float = 120.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError("waited in vain")


def _outline(pdf) -> list[tuple[str, list[str]]]:
    with pikepdf.open(pdf) as p, p.open_outline() as o:
        return [(item.title, [c.title for c in item.children]) for item in o.root]


@needs_libreoffice
def test_the_years_book_through_the_api_from_start_to_the_download(people, tmp_path):
    _submitted(people, tmp_path)
    token = token_for(people["planning"])
    r = _start(token, kind="book", year="R6", pdfa=False)
    assert r.status_code == 202, r.content
    job = r.json()
    assert (job["kind"], job["status"], job["progress"]) == ("book", "queued", {"done": 0, "total": 2})
    assert _start(token, kind="book", year="R6").json()["id"] == job["id"]  # a second click: the same job
    run_jobs()
    done = api(None, "get", f"/api/v1/jobs/{job['id']}", token).json()
    assert done["status"] == "done", done
    assert done["result"] == f"/api/v1/jobs/{job['id']}/result"
    assert done["progress"]["done"] == done["progress"]["total"] > 0
    pdf = api(None, "get", done["result"], token)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "book.pdf"
    path.write_bytes(b"".join(pdf.streaming_content))
    outline = _outline(path)
    from support.portal import OTHER_POLICY, POLICY

    titles = [t for t, _ in outline]
    assert titles[0] == "目次" and titles[-1] == "一覧"
    policies = [(t, children) for t, children in outline if t in (POLICY, OTHER_POLICY)]
    assert sorted(t for t, _ in policies) == sorted([POLICY, OTHER_POLICY])  # one bookmark per 施策 …
    assert [len(children) for _, children in policies] == [4, 4]  # … with its four sections
    assert set(titles) - {POLICY, OTHER_POLICY} == {"目次", "一覧", "評価結果概要"}
    with pikepdf.open(path) as p:
        assert len(p.pages) == _job(job["id"]).summary["pages"] > 2


def test_a_department_cannot_start_or_see_jobs(people, tmp_path):
    _submitted(people, tmp_path)
    token = token_for(people["a"])
    r = _start(token, kind="book", year="R6")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_refusals_name_their_reason(people):
    token = token_for(people["planning"])
    nothing = _start(token, kind="build", year="R6")
    assert nothing.status_code == 409 and nothing.json()["error"]["message"] == "提出済の施策がまだありません。"
    assert _start(token, kind="publish", year="R6").status_code == 400
    assert _start(token, kind="book", year="令和").status_code == 400


def test_a_queued_job_cancelled_never_runs(people, tmp_path):
    _submitted(people, tmp_path)
    token = token_for(people["planning"])
    job = _start(token, kind="build", year="R6").json()
    r = api(None, "post", f"/api/v1/jobs/{job['id']}/cancel", token)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    run_jobs()
    assert _job(job["id"]).status == "cancelled" and _job(job["id"]).started is None
    again = api(None, "post", f"/api/v1/jobs/{job['id']}/cancel", token)
    assert again.status_code == 409
    assert api(None, "get", f"/api/v1/jobs/{job['id']}/result", token).status_code == 404


@needs_libreoffice
def test_a_running_job_cancelled_stops_and_leaves_no_file(people, tmp_path, django_portal):
    import shutil

    from chosho_xlsx.portal.models import Job

    shutil.rmtree(django_portal / "jobs", ignore_errors=True)  # job numbers start again after each flush
    _submitted(people, tmp_path)
    token = token_for(people["planning"])
    job = _start(token, kind="book", year="R6").json()
    worker = _worker(django_portal)
    try:
        _wait(lambda: _job(job["id"]).status == Job.RUNNING)
        r = api(None, "post", f"/api/v1/jobs/{job['id']}/cancel", token)
        assert r.status_code == 200 and r.json()["cancel_requested"]
        ended = _wait(lambda: (j := _job(job["id"])).ended and j)
    finally:
        worker.terminate()
        worker.wait(30)
    assert ended.status == Job.CANCELLED, ended.error
    assert not any((django_portal / "jobs").glob(f"{job['id']}.*"))


def _beats(job_id: int):
    return _job(job_id).heartbeat


@needs_libreoffice
def test_a_worker_killed_mid_job_leaves_it_retried_then_done(people, tmp_path, django_portal, monkeypatch):
    """kill -9 of the worker: its job's heartbeat stops; once stale it is queued again and
    the next worker does it."""
    from chosho_xlsx.portal.models import Job
    from chosho_xlsx.portal.services import jobs

    _submitted(people, tmp_path)
    token = token_for(people["planning"])
    job = _start(token, kind="book", year="R6").json()
    worker = _worker(django_portal)
    try:
        first = _wait(lambda: _beats(job["id"]))
        _wait(lambda: _beats(job["id"]) != first)  # it beats
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    assert _job(job["id"]).status == Job.RUNNING  # as the dead worker left it
    from django.conf import settings

    monkeypatch.setattr(settings, "CHOSHO_JOB_STALE_SECONDS", 2)
    time.sleep(2.5)
    seen = api(None, "get", f"/api/v1/jobs/{job['id']}", token).json()
    assert seen["status"] == "queued"  # looking at it was enough to see its worker dead
    assert _job(job["id"]).attempts == 1
    run_jobs()
    after = _job(job["id"])
    assert (after.status, after.attempts) == (Job.DONE, 2), after.error
    assert jobs.recover_stale() == 0


def test_a_job_whose_worker_died_twice_fails_with_one_sentence(people, tmp_path):
    import datetime as dt

    from django.utils import timezone

    from chosho_xlsx.portal.models import Job
    from chosho_xlsx.portal.services import jobs

    _submitted(people, tmp_path)
    job = jobs.start(people["planning"], Job.BUILD, 2024)
    Job.objects.filter(pk=job.pk).update(status=Job.RUNNING, attempts=jobs.MAX_ATTEMPTS, worker="gone:1",
                                         heartbeat=timezone.now() - dt.timedelta(seconds=120))
    assert jobs.recover_stale() == 1
    failed = _job(job.pk)
    assert (failed.status, failed.error) == (Job.FAILED, jobs.died())
    token = token_for(people["planning"])
    body = api(None, "get", f"/api/v1/jobs/{job.pk}", token).json()
    assert (body["status"], body["error"]) == ("failed", jobs.died())


def test_two_workers_never_run_the_same_job(people, tmp_path, django_portal):
    """Six build jobs, two `worker --batch` at once on the one database: each job ran once."""
    from django_tasks_db.models import DBTaskResult

    from chosho_xlsx.portal.models import Job
    from chosho_xlsx.portal.services import jobs

    _submitted(people, tmp_path)
    made = []
    for _ in range(6):  # rows of their own: start() would answer the one under way
        job = Job.objects.create(kind=Job.BUILD, fiscal_year=2024, user=people["planning"], total=2)
        jobs._enqueue(job.pk)
        made.append(job.pk)
    workers = [_worker(django_portal, "--batch") for _ in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err.decode()[-2000:]
    ran = Job.objects.filter(pk__in=made)
    assert [(j.status, j.attempts) for j in ran] == [(Job.DONE, 1)] * 6
    tasks = DBTaskResult.objects.filter(id__in=[j.task_id for j in ran])
    assert tasks.count() == 6 and all(len(t.worker_ids) == 1 for t in tasks)
    assert len({j.worker for j in ran}) >= 1


def test_the_pages_start_a_job_show_it_advance_and_download_it(people, tmp_path):
    from support.portal import client_for

    _submitted(people, tmp_path)
    c = client_for(people["planning"])
    r = c.post("/jobs/new", {"kind": "build", "year": "R6"})
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert "<progress" in page and "0 / 2 調書" in page and "portal/job.js" in page and "<script>" not in page
    assert c.get(r["Location"] + "status.json").json()["status"] == "queued"
    run_jobs()
    page = c.get(r["Location"]).content.decode()
    assert "結果をダウンロード" in page
    listing = c.get("/jobs/").content.decode()
    assert "調書の一括作成" in listing and "完了" in listing and "kikaku" in listing
    zipped = c.get(r["Location"] + "result")
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"



def test_serve_starts_a_worker_that_ends_with_it(tmp_path):
    """`serve` alone does a job (its worker beside it), and its worker ends with it."""
    import json
    import urllib.request

    from support.portal import DIGITAL, Server, cli

    data = tmp_path / "data"
    cli(data, "users", "add", "kikaku", "--role", "planning")
    cli(data, "users", "add", "digital", "--role", "department", "--dept", DIGITAL)
    planning = cli(data, "users", "token", "kikaku").stdout.strip()
    department = cli(data, "users", "token", "digital").stdout.strip()
    server = Server(data)
    try:
        def call(path, token, body=None, content_type="application/json"):
            req = urllib.request.Request(server.url + path, data=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": content_type})
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())

        workbook = good_workbook(tmp_path).read_bytes()
        boundary = "chosho-test-boundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\n").encode() \
            + workbook + f"\r\n--{boundary}--\r\n".encode()
        up = call("/api/v1/submissions", department, body, f"multipart/form-data; boundary={boundary}")
        call(f"/api/v1/submissions/{up['id']}/submit", department, json.dumps({"comment": "確認済み"}).encode())
        job = call("/api/v1/jobs", planning, json.dumps({"kind": "build", "year": "R6"}).encode())
        done = _wait(lambda: (j := call(f"/api/v1/jobs/{job['id']}", planning))["status"] in ("done", "failed") and j)
        assert done["status"] == "done", done
        workers = subprocess.run(["pgrep", "-f", f"worker --data {data} --parent"], capture_output=True, text=True)
        assert workers.stdout.split(), "serve started no worker"
    finally:
        server.stop()
    _wait(lambda: subprocess.run(["pgrep", "-f", f"worker --data {data} --parent"]).returncode == 1, 30)
