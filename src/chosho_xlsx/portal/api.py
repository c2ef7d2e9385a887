"""The JSON API under /api/v1/ for scripts and RPA (README「JSON API」), with
`Authorization: Bearer TOKEN`. Same services as the pages."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chosho_xlsx.domain import fiscal
from chosho_xlsx.portal.access import api_error, token_required
from chosho_xlsx.portal.downloads import build_download
from chosho_xlsx.portal.errors import Conflict, PortalError, status_of
from chosho_xlsx.portal.models import Upload
from chosho_xlsx.portal.services import files, review
from chosho_xlsx.portal.services.builds import build_zip
from chosho_xlsx.portal.services.visibility import visible_policies, visible_uploads
from chosho_xlsx.portal.words import say


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


FINDING_KEYS = ("code", "severity", "place", "sheet", "cell", "column", "value", "message", "hint")


def upload_dict(u: Upload, findings: bool = True) -> dict:
    d = {
        "id": u.pk,
        "version": u.version,
        "sha256": u.sha256,
        "policy": u.policy.name,
        "policy_id": u.policy_id,
        "fiscal_year": fiscal.label(u.policy.fiscal_year),
        "filename": u.filename,
        "size": u.size,
        "uploaded_by": u.user.username,
        "uploaded_at": u.created.isoformat(timespec="milliseconds"),
        "readable": u.readable,
        "valid": u.valid,
        "errors": u.errors,
        "warnings": u.warnings,
    }
    if findings:
        # in the order of `validate --format json` (PostgreSQL's jsonb keeps its own order)
        d["findings"] = [{k: f[k] for k in FINDING_KEYS} for f in u.findings]
    return d


def _refused(exc: PortalError):
    return api_error(status_of(exc), exc.message, findings=exc.findings)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@token_required()
def submissions(request):
    if request.method == "GET":
        uploads = visible_uploads(request.user).select_related("policy", "user").defer("findings")
        return _json({"submissions": [upload_dict(u, findings=False) for u in uploads.order_by("id")]})
    file = request.FILES.get("file")
    if file is None:
        return api_error(400, say("api-file-needed"))
    hint = None
    if request.POST.get("policy_id"):
        hint = visible_policies(request.user).filter(pk=request.POST["policy_id"]).first()
        if hint is None:
            return api_error(404, say("no-such-policy"))
    try:
        up, created = files.receive(request.user, file.read(), file.name or "", hint)
    except PortalError as exc:
        return _refused(exc)
    return _json(upload_dict(up), status=201 if created else 200)


@csrf_exempt
@require_GET
@token_required()
def submission(request, pk: int):
    up = visible_uploads(request.user).select_related("policy", "user").filter(pk=pk).first()
    if up is None:
        return api_error(404, say("no-such-submission"))
    return _json(upload_dict(up))


@csrf_exempt
@require_GET
@token_required(planning=True)
def dashboard(request):
    try:
        board = review.dashboard(review.year_asked(request.GET.get("year")))
    except PortalError as exc:
        return _refused(exc)
    return _json({
        "fiscal_year": fiscal.label(board.year) if board.year else None,
        "counts": board.counts,
        "policies": [{
            "id": r.policy.pk, "policy": r.policy.name, "section": r.policy.section, "status": r.status,
            "latest_version": r.latest.version if r.latest else None,
            "latest_id": r.latest.pk if r.latest else None,
            "submitted_id": r.policy.submitted_id,
        } for r in board.rows],
    })


@csrf_exempt
@require_POST
@token_required(planning=True)
def builds(request):
    try:
        year = review.year_asked(request.POST.get("year"))
        if year is None:
            raise Conflict(say("no-policies"))
        made = build_zip(request.user, year)
    except PortalError as exc:
        return _refused(exc)
    response = build_download(made)
    response["X-Build-Id"] = str(made.pk)
    return response
