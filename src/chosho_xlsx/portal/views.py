"""The web pages, in Japanese: the department's (わたしの施策, a version's findings and
grid, submit) and the planning division's (提出状況, a 施策's history, return, lock,
build, audit log). Each parses its input with a form (forms.py), calls a service and
renders; a service's refusal (errors.PortalError) becomes its page in one place
(middleware.RefusalMiddleware)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal import forms
from chosho_xlsx.portal.access import planning_only, signed_in, visible_or_404
from chosho_xlsx.portal.downloads import (
    attachment,
    build_download,
    download,
    stem_of,
    stored_upload,
)
from chosho_xlsx.portal.errors import Forbidden, Invalid, PortalError
from chosho_xlsx.portal.middleware import refusal_response
from chosho_xlsx.portal.models import Build, Event, Policy
from chosho_xlsx.portal.services import cycle, data, deadlines, files, fixes, registry, review
from chosho_xlsx.portal.services.builds import build_zip
from chosho_xlsx.portal.services.visibility import sections_of, visible_policies, visible_uploads
from chosho_xlsx.portal.words import say


def _valid(form: forms.forms.Form):
    """The form's clean data, or the refusal its first error says."""
    if not form.is_valid():
        raise Invalid(forms.first_error(form))
    return form.cleaned_data


@require_GET
@signed_in
def home(request):
    return redirect("dashboard" if request.user.profile.planning else "mine")


# ---- the department's pages ---------------------------------------------------------------------


@require_GET
@signed_in
def mine(request):
    policies = visible_policies(request.user).order_by("-fiscal_year", "name")
    rows = review.rows(policies)
    rollable = {r.policy.pk for r in rows if cycle.rollover_source(request.user, r.policy) is not None}
    due = deadlines.deadlines({r.policy.fiscal_year for r in rows})
    return render(request, "portal/mine.html", {
        "rows": rows, "rollable": rollable, "deadlines": sorted(due.items(), reverse=True),
        "overdue": {r.policy.pk for r in rows if deadlines.overdue(r.policy, due.get(r.policy.fiscal_year))}})


@require_POST
@signed_in
def upload(request):
    form = _valid(forms.UploadForm(request.POST, request.FILES))
    hint = None
    if form["policy"] is not None:
        hint = visible_or_404(visible_policies(request.user), form["policy"])
    file = form["file"]
    up, created = files.receive(request.user, file.read(), file.name or "", hint)
    if not created:
        messages.info(request, say("same-bytes", version=up.version))
    return redirect("upload", up.pk)


@require_GET
@signed_in
def upload_page(request, pk: int):
    up = visible_or_404(visible_uploads(request.user).select_related("policy", "user"), pk)
    policy = up.policy
    latest = policy.uploads.order_by("-version").first()
    can_submit = (not request.user.profile.planning and policy.state == Policy.OPEN
                  and latest.pk == up.pk and up.valid)
    shown, chosen = _filtered(up.findings, request.GET.get("sheet", ""), request.GET.get("severity", ""))
    targets = {}
    if not request.user.profile.planning and policy.state == Policy.OPEN:
        targets = fixes.fixable(up)
    return render(request, "portal/upload.html", {
        "up": up, "policy": policy, "latest": latest, "can_submit": can_submit,
        "status": review.status_of(policy, latest), "sheets": files.grid(up),
        "shown": [{**f, "fix": targets.get(f["place"])} for f in shown], "chosen": chosen,
        "fixing": bool(targets),
        "finding_sheets": list(dict.fromkeys(f["sheet"] for f in up.findings if f.get("sheet"))),
    })


FIX_FIELD = "fix:"  # the page's fields: 「fix:事業!O2」 → the corrected value


@require_POST
@signed_in
def upload_fixes(request, pk: int):
    """「修正して再確認」: a new version with the typed values in the findings' cells."""
    up = visible_or_404(visible_uploads(request.user).select_related("policy"), pk)
    wanted = [(key[len(FIX_FIELD):], value) for key, value in request.POST.items()
              if key.startswith(FIX_FIELD) and value.strip()]
    new, created = fixes.apply_fixes(request.user, up, wanted)
    if created:
        messages.success(request, say("fixed", version=new.version, source=up.version))
    else:
        messages.info(request, say("same-bytes", version=new.version))
    return redirect("upload", new.pk)


def _filtered(findings: list[dict], sheet: str, severity: str) -> tuple[list[dict], dict]:
    """The findings of one sheet and/or one severity (the version page's filter; an
    unknown choice filters nothing out rather than hiding every finding)."""
    sheets = {f.get("sheet") for f in findings}
    sheet = sheet if sheet in sheets else ""
    severity = severity if severity in ("error", "warning") else ""
    shown = [f for f in findings if (not sheet or f.get("sheet") == sheet)
             and (not severity or f["severity"] == severity)]
    return shown, {"sheet": sheet, "severity": severity}


@require_GET
@signed_in
def upload_findings(request, pk: int):
    """The version's findings as the list `validate --format xlsx` writes (the same bytes
    for the same workbook)."""
    from chosho_xlsx.writers.findings_list import findings_xlsx_bytes

    up = visible_or_404(visible_uploads(request.user), pk)
    stem = up.filename.rsplit(".", 1)[0]
    return attachment(findings_xlsx_bytes([(up.filename, up.findings)]), f"{stem}_問題の一覧.xlsx")


@require_GET
@signed_in
def upload_file(request, pk: int):
    up = visible_or_404(visible_uploads(request.user), pk)
    return stored_upload(up)


@require_GET
@signed_in
def upload_annotated(request, pk: int):
    up = visible_or_404(visible_uploads(request.user), pk)
    if not up.readable or up.suffix not in files.ANNOTATABLE:
        raise Http404
    return download(files.annotated(up), f"{stem_of(up)}_確認.xlsx")  # never with macros (W-MACROS)


@require_GET
@signed_in
def upload_preview(request, pk: int):
    """The version's PDF when made; else its preview job's page (a worker makes it: the
    page says so and refreshes itself), or why it could not be made."""
    from chosho_xlsx.portal.services import jobs

    up = visible_or_404(visible_uploads(request.user).select_related("policy"), pk)
    try:
        job = jobs.preview(request.user, up, again=request.GET.get("again") == "1")
    except PortalError as exc:
        return refusal_response(request, exc, title=say("no-preview-title"))
    if job is None:
        return download(jobs.preview_path(up), f"{up.policy.name}_第{up.version}版.pdf", "application/pdf",
                        inline=True)
    if job.status == job.FAILED:
        return render(request, "portal/message.html", {"title": say("no-preview-title"), "message": job.error},
                      status=503 if "LibreOffice" in job.error else 409)
    return redirect("job", job.pk)


@require_POST
@signed_in
def submit(request, pk: int):
    up = visible_or_404(visible_uploads(request.user), pk)
    if request.user.profile.planning:
        raise Forbidden(say("departments-submit"))
    review.submit(request.user, up, _valid(forms.CommentForm(request.POST))["comment"])
    messages.success(request, say("submitted", version=up.version))
    return redirect("policy", up.policy_id)


@require_GET
@signed_in
def policy_page(request, pk: int):
    policy = visible_or_404(visible_policies(request.user), pk)
    uploads = list(policy.uploads.select_related("user", "fixed_from").defer("findings", "fixed_from__findings"))
    row = review.rows([policy])[0]
    return render(request, "portal/policy.html", {
        "policy": policy, "row": row, "uploads": uploads,
        "events": policy.events.select_related("user", "upload")[:200],
        "sections": sorted(sections_of(policy)),
        "planning": request.user.profile.planning,
        "rollover_source": cycle.rollover_source(request.user, policy),
    })


@require_GET
@signed_in
def policy_diff(request, pk: int, xlsx: bool = False):
    """Two versions of a 施策 compared (diff.py): the changes table, or the .xlsx change list."""
    from chosho_xlsx.cycle.diff import (
        WARNING,
        changes_xlsx_bytes,
        kind_text,
        severity_text,
        side_text,
    )

    policy = visible_or_404(visible_policies(request.user), pk)
    old, new = cycle.versions_to_compare(policy, request.GET.get("old"), request.GET.get("new"))
    diff = cycle.diff_versions(old, new)
    if xlsx:
        return attachment(changes_xlsx_bytes(diff), f"{policy.name}_変更一覧_第{old.version}版-第{new.version}版.xlsx")
    rows = [{"change": c, "warning": c.severity == WARNING, "severity": severity_text(c.severity, "ja"),
             "kind": kind_text(c.kind, "ja"), "old": side_text(c, "old", "ja", "（なし）"),
             "new": side_text(c, "new", "ja", "（なし）")} for c in diff.changes]
    return render(request, "portal/diff.html", {
        "policy": policy, "old": old, "new": new, "rows": rows, "warnings": sum(r["warning"] for r in rows),
        "uploads": policy.uploads.defer("findings").order_by("-version"),
        "with_errors": [u for u in (old, new) if u.errors],  # compared as far as each could be read
    })


@require_GET
@signed_in
def policy_rollover(request, pk: int):
    """Next year's workbook from last year's submission of the 施策 (404 when the portal holds none)."""
    policy = visible_or_404(visible_policies(request.user), pk)
    source = cycle.rollover_source(request.user, policy)
    if source is None:
        raise Http404
    content = cycle.rolled_over(source, policy)
    return attachment(content, f"{fiscal.label(policy.fiscal_year)}_入力ブック_繰越_{policy.name}.xlsx")


@require_GET
@signed_in
def template(request, pk: int | None = None):
    """The blank workbook for a 施策's 実施年度 and 計画期間 (the newest 施策's without one)."""
    from chosho_xlsx.writers.template import write_template

    if pk is not None:
        policy = visible_or_404(visible_policies(request.user), pk)
    else:
        policy = visible_policies(request.user).order_by("-fiscal_year").first()
    year, start, end = ((policy.fiscal_year, policy.plan_start, policy.plan_end) if policy
                        else files.default_period())
    if pk is None:
        target = data().derived(f"template-{year}-{start}-{end}.xlsx")
        if not target.exists():
            write_template(target, year, start, end)
        return download(target, f"{fiscal.label(year)}_入力ブック.xlsx")
    # one 施策's workbook: 基本戦略名 and 施策名 filled in, named after the 施策 (made
    # for the request: the name and the list change, and it takes ~50 ms)
    import tempfile
    from pathlib import Path

    from chosho_xlsx.writers.template import policy_rows

    with tempfile.TemporaryDirectory(prefix="chosho-portal-") as tmp:
        path = Path(tmp) / "template.xlsx"
        write_template(path, year, start, end, policy_rows(year, start, end, policy.strategy, policy.name))
        content = path.read_bytes()
    return attachment(content, f"{fiscal.label(year)}_入力ブック_{policy.name}.xlsx")


# ---- the planning division's pages ----------------------------------------------------------------


@require_GET
@planning_only
def dashboard(request):
    board = review.dashboard(review.year_asked(request.GET.get("year")))
    wanted, section = request.GET.get("status", ""), request.GET.get("section", "")
    shown = [r for r in board.rows if (not wanted or r.status == wanted) and (not section or r.policy.section == section)]
    due = deadlines.deadline_of(board.year)
    return render(request, "portal/dashboard.html", {
        "deadline": due, "overdue": {r.policy.pk for r in board.rows if deadlines.overdue(r.policy, due)},
        "year": board.year, "years": review.fiscal_years(), "rows": shown, "total": len(board.rows),
        "counts": list(board.counts.items()), "status": wanted, "section": section,
        "sections": sorted({r.policy.section for r in board.rows}),
        "builds": Build.objects.filter(fiscal_year=board.year).select_related("user").order_by("-id")[:5],
        "default_period": files.default_period(),
        "overview": _overview_table(board.year),
    })


def _overview_table(year: int | None) -> dict | None:
    from chosho_xlsx.portal.services import overview

    ov = overview.year_overview(year)
    return overview.table(ov) if ov else None


@require_POST
@planning_only
def policy_return(request, pk: int):
    policy = visible_or_404(Policy.objects.all(), pk)
    review.send_back(request.user, policy, _valid(forms.ReasonForm(request.POST))["comment"])
    messages.success(request, say("returned"))
    return redirect("policy", policy.pk)


@require_POST
@planning_only
def policy_lock(request, pk: int):
    policy = visible_or_404(Policy.objects.all(), pk)
    review.lock(request.user, policy, _valid(forms.CommentForm(request.POST))["comment"])
    messages.success(request, say("locked"))
    return redirect("policy", policy.pk)


@require_POST
@planning_only
def policy_assign(request, pk: int):
    policy = visible_or_404(Policy.objects.all(), pk)
    registry.assign(request.user, policy, _valid(forms.AssignForm(request.POST))["section"])
    messages.success(request, say("assigned"))
    return redirect("policy", policy.pk)


@require_POST
@planning_only
def policy_register(request):
    form = _valid(forms.RegisterForm(request.POST))
    policy = registry.register(request.user, form["year"], form["plan"].start, form["plan"].end,
                               form["name"], form["section"])
    messages.success(request, say("registered", policy=policy.name))
    return redirect(f"{reverse('dashboard')}?year={policy.fiscal_year}")


@require_POST
@planning_only
def build(request):
    made = build_zip(request.user, review.year_asked(_valid(forms.YearForm(request.POST))["year"]))
    return redirect("build_file", made.pk)


@require_GET
@planning_only
def build_file(request, pk: int):
    return build_download(visible_or_404(Build.objects.all(), pk))


@require_GET
@planning_only
def audit(request):
    return render(request, "portal/audit.html",
                  {"events": Event.objects.select_related("user", "policy", "upload")[:500]})
