"""Jobs: long work (the year's book, build all, next year's workbooks, a PDF preview) put
on the queue by a page or the API and done by a worker (`chosho-xlsx worker`, and the
one `serve` starts), never in a web request.

The queue is django-tasks with its database backend (django-tasks-db): a worker claims a
task row with SELECT … FOR UPDATE SKIP LOCKED (an exclusive transaction on SQLite), so
two workers never take the same task; the Job row is claimed once more by a conditional
UPDATE (queued → running), so even a task enqueued twice runs its job once. The body runs
in a child process (jobs.runner) while the worker's main thread beats the heartbeat,
stores the progress and reads the cancel request. A worker that dies (kill -9, power)
stops beating: recover_stale() puts its job back in the queue once, then marks it failed
with one sentence — run by every worker before each job and whenever a job is looked at,
so no job stays 「実行中」 for ever even with no worker left."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from chosho_xlsx.jobs.inputs import Stored
from chosho_xlsx.jobs.runner import DONE, run_child
from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.errors import Conflict, Forbidden, Invalid, NotFound
from chosho_xlsx.portal.models import Job, Policy, Upload
from chosho_xlsx.portal.services import data
from chosho_xlsx.portal.tasks import run_job
from chosho_xlsx.portal.words import say

HEARTBEAT = 1.0  # seconds between two beats (and progress writes) of a running job
MAX_ATTEMPTS = 2  # a job whose worker died is run again once, then marked failed
STAGES = ("build", "print", "bind", "preview", "rollover")  # sentences: portal.job-stage-*
PLANNING_KINDS = (Job.BOOK, Job.BUILD, Job.ROLLOVER)


def visible_jobs(user):
    """All jobs for the planning division; a department sees the previews it asked for."""
    if user.profile.planning:
        return Job.objects.all()
    return Job.objects.filter(user=user, kind=Job.PREVIEW)


def get(user, pk: int) -> Job:
    recover_stale()
    job = visible_jobs(user).select_related("user").filter(pk=pk).first()
    if job is None:
        raise NotFound(say("job-missing"))
    return job


# ---- what a job works on ------------------------------------------------------------------------


def _label(policy: Policy, upload: Upload) -> str:
    return f"{policy.section}_{policy.name}_第{upload.version}版"


def _submitted(year: int) -> list[Stored]:
    """The submitted (or 確定) version of each 施策 of the year, by 課 and name."""
    policies = (Policy.objects.filter(fiscal_year=year, state__in=(Policy.SUBMITTED, Policy.LOCKED))
                .select_related("submitted").order_by("section", "name"))
    return [Stored(data().blob(p.submitted.sha256, p.submitted.suffix), _label(p, p.submitted)) for p in policies]


def _rollable(year: int) -> list[Stored]:
    """Each 施策 of the year: its submitted version, else its newest without errors."""
    out = []
    for p in Policy.objects.filter(fiscal_year=year).select_related("submitted").order_by("section", "name"):
        source = p.submitted if p.state in (Policy.SUBMITTED, Policy.LOCKED) and p.submitted_id else next(
            (u for u in p.uploads.defer("findings").order_by("-version") if u.valid), None)
        if source is not None:
            out.append(Stored(data().blob(source.sha256, source.suffix), _label(p, source)))
    return out


def _inputs(job: Job) -> list[Stored]:
    if job.kind == Job.PREVIEW:
        u = job.upload
        return [Stored(data().blob(u.sha256, u.suffix), "input")]
    if job.kind == Job.ROLLOVER:
        return _rollable(job.fiscal_year)
    return _submitted(job.fiscal_year)


def _target(job: Job):
    """Where the body writes, the file's name kept on the row, the name it downloads as."""
    if job.kind == Job.PREVIEW:
        return preview_path(job.upload), "", ""
    label = fiscal.label(job.fiscal_year)
    suffix, name = {
        Job.BOOK: (".pdf", f"{label}_事業群評価調書.pdf"),
        Job.BUILD: (".zip", f"{label}_調書_{job.pk}.zip"),
        Job.ROLLOVER: (".zip", f"{fiscal.label(job.fiscal_year + 1)}_入力ブック_繰越.zip"),
    }[job.kind]
    path = data().job(job.pk, suffix)
    return path, path.name, name


def _options(job: Job) -> dict:
    if job.kind == Job.BOOK:  # LibreOffice on all cores but one: one is left for the web
        return {"pdfa": bool(job.options.get("pdfa")), "jobs": settings.CHOSHO_JOB_PROCESSES}
    if job.kind == Job.ROLLOVER:
        return {"to": job.fiscal_year + 1}
    return {}


# ---- starting and stopping ------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    """After the commit: the task row, its id kept on the job."""
    def put() -> None:
        result = run_job.enqueue(job_id)
        Job.objects.filter(pk=job_id).update(task_id=str(result.id))
    transaction.on_commit(put)


def start(user, kind: str, year: int | None, pdfa: bool = False) -> Job:
    """A planning job for a 実施年度, queued; the one already queued or running with the
    same settings when there is one (a second click does not start a second book)."""
    if not user.profile.planning:
        raise Forbidden(say("job-planning-only"))
    if kind not in PLANNING_KINDS:
        raise Invalid(say("job-kind", kinds=" / ".join(PLANNING_KINDS), kind=kind[:40]))
    if year is None:
        raise Invalid(say("job-year-needed"))
    options = {"pdfa": bool(pdfa)} if kind == Job.BOOK else {}
    total = len(_rollable(year) if kind == Job.ROLLOVER else _submitted(year))
    if not total:
        raise Conflict(say("job-nothing-to-roll" if kind == Job.ROLLOVER else "nothing-submitted"))
    with transaction.atomic():
        same = Job.objects.filter(kind=kind, fiscal_year=year, options=options,
                                  status__in=(Job.QUEUED, Job.RUNNING), cancel_requested=False).first()
        if same is not None:
            return same
        job = Job.objects.create(kind=kind, fiscal_year=year, options=options, user=user, total=total)
        _enqueue(job.pk)
    return job


def preview(user, upload: Upload, again: bool = False) -> Job | None:
    """The preview job of a version: None when its PDF is made already; the one under way;
    the last one when it failed (unless `again`); else a new one."""
    if not upload.valid:
        raise Conflict(say("no-chosho-from-errors"))
    if preview_path(upload).exists():
        return None
    recover_stale()
    last = Job.objects.filter(kind=Job.PREVIEW, upload__sha256=upload.sha256).order_by("-id").first()
    if last is not None and (not last.ended or (last.status == Job.FAILED and not again)):
        return last
    with transaction.atomic():
        job = Job.objects.create(kind=Job.PREVIEW, upload=upload, user=user, total=2)
        _enqueue(job.pk)
    return job


def preview_path(upload: Upload):
    """Where a version's PDF is kept once made (by its hash: made once)."""
    return data().derived(f"{upload.sha256}.pdf")


def result_file(job: Job):
    """(path, download name) of a finished job's file; NotFound before it is done."""
    if job.status == Job.DONE:
        if job.kind == Job.PREVIEW:
            path, name = preview_path(job.upload), "preview.pdf"
        else:
            path, _, name = _target(job)
        if path.is_file():
            return path, name
    raise NotFound(say("job-no-result"))


def cancel(user, job: Job) -> Job:
    """A queued job ends at once; a running one is asked to stop (its worker stops it at
    the body's next step)."""
    now = timezone.now()
    if Job.objects.filter(pk=job.pk, status=Job.QUEUED).update(status=Job.CANCELLED, cancel_requested=True,
                                                               finished=now):
        _task_ended(job.task_id)
    elif not Job.objects.filter(pk=job.pk, status=Job.RUNNING).update(cancel_requested=True):
        raise Conflict(say("job-ended"))
    job.refresh_from_db()
    return job


# ---- in the worker ---------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def execute(job_id: int) -> None:
    """The task body: claim the job, run its body in a child, keep the score, finish."""
    recover_stale()
    me, now = worker_name(), timezone.now()
    if not Job.objects.filter(pk=job_id, status=Job.QUEUED).update(
            status=Job.RUNNING, worker=me, heartbeat=now, started=now, attempts=F("attempts") + 1):
        return  # cancelled, or another worker has it
    job = Job.objects.select_related("upload").get(pk=job_id)
    mine = Job.objects.filter(pk=job_id, status=Job.RUNNING, worker=me)
    target, result, download = _target(job)
    stored = _inputs(job)

    def tick(stage: str, done: int, total: int) -> bool:
        fields = {"heartbeat": timezone.now()}
        if stage:
            fields.update(stage=stage, done=done, total=total)
        mine.update(**fields)
        return mine.filter(cancel_requested=True).exists()

    outcome = run_child(job.kind, stored, target, _options(job), tick, every=HEARTBEAT)
    ended = {"status": outcome.status, "finished": timezone.now(), "summary": outcome.summary,
             "error": outcome.error}
    if outcome.status == DONE:
        ended.update(result=result, download_name=download, done=F("total"))
    mine.update(**ended)


def _task_ended(task_id: str) -> None:
    """The queue's own row of a job that ended without its task running to the end."""
    if not task_id:
        return
    DBTaskResult.objects.filter(id=task_id, status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now())


def recover_stale() -> int:
    """Jobs whose worker stopped beating: queued again (once), else failed with died().
    Conditional on the beat seen, so two workers recovering at once act once."""
    limit = timezone.now() - dt.timedelta(seconds=settings.CHOSHO_JOB_STALE_SECONDS)
    count = 0
    for job in Job.objects.filter(status=Job.RUNNING, heartbeat__lt=limit):
        same = Job.objects.filter(pk=job.pk, status=Job.RUNNING, heartbeat=job.heartbeat)
        with transaction.atomic():
            if job.attempts < MAX_ATTEMPTS and not job.cancel_requested:
                again = same.update(status=Job.QUEUED, worker="", heartbeat=None)
                if again:
                    _enqueue(job.pk)
            else:
                status = Job.CANCELLED if job.cancel_requested else Job.FAILED
                again = same.update(status=status, finished=timezone.now(),
                                    error="" if job.cancel_requested else died())
            if again:
                _task_ended(job.task_id)
                count += 1
    return count


def stage_text(job: Job) -> str:
    return say(f"job-stage-{job.stage}") if job.stage in STAGES else ""


def died() -> str:
    """The sentence of a job whose worker stopped answering."""
    return say("job-worker-died")
