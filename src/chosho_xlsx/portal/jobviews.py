"""The jobs' pages: the planning division starts a job (the year's book, build all, next
year's workbooks), watches it advance, cancels it, downloads its result; the list of past
jobs. The page works on reload without JavaScript; static/portal/job.js refreshes the
bar from status.json and reloads the page when the job has ended."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from chosho_xlsx.portal.access import planning_only, signed_in
from chosho_xlsx.portal.api.jobs import job_out
from chosho_xlsx.portal.downloads import download
from chosho_xlsx.portal.errors import PortalError
from chosho_xlsx.portal.middleware import refusal_response
from chosho_xlsx.portal.models import Job
from chosho_xlsx.portal.services import jobs as jobqueue
from chosho_xlsx.portal.services import review
from chosho_xlsx.portal.words import say


@require_GET
@planning_only
def jobs(request):
    jobqueue.recover_stale()
    return render(request, "portal/jobs.html", {
        "jobs": Job.objects.exclude(kind=Job.PREVIEW).select_related("user")[:100],
        "years": review.fiscal_years(), "kinds": [(k, Job.KINDS[k]) for k in jobqueue.PLANNING_KINDS],
    })


@require_POST
@planning_only
def job_start(request):
    year = review.year_asked(request.POST.get("year"))
    job = jobqueue.start(request.user, request.POST.get("kind", ""), year, pdfa=request.POST.get("pdfa") == "1")
    return redirect("job", job.pk)


def _job(request, pk: int) -> Job:
    try:
        return jobqueue.get(request.user, pk)
    except PortalError:
        raise Http404 from None


@require_GET
@signed_in
def job_page(request, pk: int):
    job = _job(request, pk)
    return render(request, "portal/job.html", {"job": job, "stage": jobqueue.stage_text(job),
                                               "back": _back(job)})


def _back(job: Job) -> str:
    if job.kind == Job.PREVIEW:
        return reverse("upload", args=[job.upload_id])
    return reverse("jobs")


@require_GET
@signed_in
def job_status(request, pk: int):
    """The job as the API gives it, for job.js (signed in by the session, not a token)."""
    job = _job(request, pk)
    return JsonResponse({**job_out(job), "result": reverse("job_result", args=[job.pk])},
                        json_dumps_params={"ensure_ascii": False})


@require_POST
@signed_in
def job_cancel(request, pk: int):
    job = _job(request, pk)
    try:
        jobqueue.cancel(request.user, job)
    except PortalError as exc:
        return refusal_response(request, exc)
    messages.info(request, say("job-cancel-accepted"))
    return redirect("job", job.pk)


@require_GET
@signed_in
def job_result(request, pk: int):
    return result_download(_job(request, pk))


def result_download(job: Job):
    """A finished job's file; 404 before."""
    try:
        path, name = jobqueue.result_file(job)
    except PortalError:
        raise Http404 from None
    pdf = path.suffix == ".pdf"
    return download(path, name, "application/pdf" if pdf else "application/zip", inline=job.kind == Job.PREVIEW)
