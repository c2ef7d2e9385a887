"""The web pages, in Japanese: the department's (わたしの施策, a version's findings and
grid, submit) and the planning division's (提出状況, a 施策's history, return, lock,
build, audit log). Each parses its input with a form (forms.py), calls a service and
renders; a service's refusal (errors.PortalError) becomes its page in one place
(middleware.RefusalMiddleware)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chosho_xlsx.cycle.diff import (
    WARNING,
    changes_xlsx_bytes,
    kind_text,
    severity_text,
    side_text,
)
from chosho_xlsx.model import fiscal
from chosho_xlsx.portal import forms, workflow
from chosho_xlsx.portal.access import planning_only, signed_in, visible_or_404
from chosho_xlsx.portal.downloads import (
    attachment,
    build_download,
    download,
    stem_of,
    stored_upload,
)
from chosho_xlsx.portal.errors import Invalid, PortalError, status_of
from chosho_xlsx.portal.middleware import refusal_response
from chosho_xlsx.portal.models import Build, Event, Policy
from chosho_xlsx.portal.services import (
    cycle,
    data,
    deadlines,
    files,
    fixes,
    jobs,
    overview,
    registry,
    review,
)
from chosho_xlsx.portal.services.builds import build_zip
from chosho_xlsx.portal.services.visibility import sections_of, visible_policies, visible_uploads
from chosho_xlsx.portal.words import say
from chosho_xlsx.portal.workflow import Version
from chosho_xlsx.writers.findings_list import findings_xlsx_bytes


def _valid(form: forms.forms.Form):
    """The form's clean data, or the refusal its first error says."""
    if not form.is_valid():
        raise Invalid(forms.first_error(form))
    return form.cleaned_data


def _again(request, template: str, context: dict, form, field: str, exc: PortalError):
    """The page the form was on, again, with the refusal next to its field (and the
    findings of the file, when one was read): no separate message page to come back from."""
    if exc.message not in list(form.errors.get(field, [])):
        form.add_error(field, exc.message)
    return render(request, template, {**context, "findings": exc.findings}, status=status_of(exc))


@require_GET
@signed_in
def home(request):
    return redirect("dashboard" if request.user.profile.planning else "mine")


# ---- the department's pages ---------------------------------------------------------------------


def _mine_context(request, **extra) -> dict:
    rows = review.rows(visible_policies(request.user).order_by("-fiscal_year", "name"))
    rollable = {r.policy.pk for r in rows if cycle.rollover_source(request.user, r.policy) is not None}
    due = deadlines.deadlines({r.policy.fiscal_year for r in rows})
    return {"rows": rows, "rollable": rollable, "upload_form": forms.UploadForm(),
            "deadlines": sorted(due.items(), reverse=True),
            "overdue": {r.policy.pk for r in rows if deadlines.overdue(r.policy, due.get(r.policy.fiscal_year))},
            **extra}


@require_GET
@signed_in
def mine(request):
    return render(request, "portal/mine.html", _mine_context(request))


@require_POST
@signed_in
def upload(request):
    """A workbook uploaded from わたしの施策 or a 施策's page; refused, that page again with
    the reason at the file field (for a file that is not a workbook: its finding)."""
    form = forms.UploadForm(request.POST, request.FILES)
    hint = None
    if form.is_valid() and form.cleaned_data["policy"] is not None:
        hint = visible_or_404(visible_policies(request.user), form.cleaned_data["policy"])
    try:
        file = _valid(form)["file"]
        up, created = files.receive(request.user, file.read(), file.name or "", hint)
    except PortalError as exc:
        if hint is not None:
            return _again(request, "portal/policy.html", _policy_context(request, hint, upload_form=form),
                          form, "file", exc)
        return _again(request, "portal/mine.html", _mine_context(request, upload_form=form), form, "file", exc)
    if not created:
        up.policy.refresh_from_db()
        current = up.policy.current_id == up.pk
        messages.info(request, say("same-bytes-current" if current else "same-bytes", version=up.version))
    return redirect("upload", up.pk)


def _upload_context(request, up, **extra) -> dict:
    policy = up.policy
    role, current = request.user.profile.role, Version.of(policy.current)
    shown, chosen = _filtered(up.findings, request.GET.get("sheet", ""), request.GET.get("severity", ""))
    can_upload = workflow.refusal(workflow.UPLOAD, role, policy.state) is None
    targets = fixes.fixable(up) if can_upload else {}
    return {
        "shown": [{**f, "fix": targets.get(f["place"])} for f in shown], "chosen": chosen,
        "fixing": bool(targets),
        "finding_sheets": list(dict.fromkeys(f["sheet"] for f in up.findings if f.get("sheet"))),
        "up": up, "policy": policy, "current": policy.current, "status": review.status_of(policy),
        "can_submit": workflow.refusal(workflow.SUBMIT, role, policy.state, current, Version.of(up)) is None,
        "can_upload": can_upload,
        "sheets": files.grid(up), "submit_form": forms.CommentForm(), "upload_form": forms.UploadForm(),
        **extra,
    }


@require_GET
@signed_in
def upload_page(request, pk: int):
    up = visible_or_404(visible_uploads(request.user).select_related("policy", "user"), pk)
    return render(request, "portal/upload.html", _upload_context(request, up))


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
    up = visible_or_404(visible_uploads(request.user).select_related("policy", "user"), pk)
    form = forms.CommentForm(request.POST)
    try:
        review.submit(request.user, up, _valid(form)["comment"])
    except PortalError as exc:
        return _again(request, "portal/upload.html", _upload_context(request, up, submit_form=form),
                      form, "comment", exc)
    messages.success(request, say("submitted", version=up.version))
    return redirect("policy", up.policy_id)


def _policy_context(request, policy, **extra) -> dict:
    row = review.rows([policy])[0]
    role = request.user.profile.role
    return {
        "policy": policy, "row": row,
        "uploads": list(policy.uploads.select_related("user", "fixed_from").defer("findings", "fixed_from__findings")),
        "actions": [t.action for t in workflow.allowed(role, policy.state, Version.of(row.current))],
        "events": policy.events.select_related("user", "upload")[:200],
        "sections": sorted(sections_of(policy)), "planning": request.user.profile.planning,
        "rollover_source": cycle.rollover_source(request.user, policy),
        "upload_form": forms.UploadForm(), "return_form": forms.ReasonForm(), "assign_form": forms.AssignForm(),
        **extra,
    }


@require_GET
@signed_in
def policy_page(request, pk: int):
    policy = visible_or_404(visible_policies(request.user), pk)
    return render(request, "portal/policy.html", _policy_context(request, policy))


@require_GET
@signed_in
def policy_diff(request, pk: int, xlsx: bool = False):
    """Two versions of a 施策 compared (diff.py): the changes table, or the .xlsx change list."""
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
    # lazy: the input workbook's writer (openpyxl, ~0.4 s) only when one is written
    from chosho_xlsx.writers.input_workbook import write_input_workbook

    if pk is not None:
        policy = visible_or_404(visible_policies(request.user), pk)
    else:
        policy = visible_policies(request.user).order_by("-fiscal_year").first()
    year, start, end = ((policy.fiscal_year, policy.plan_start, policy.plan_end) if policy
                        else files.default_period())
    if pk is None:
        target = data().derived(f"template-{year}-{start}-{end}.xlsx")
        if not target.exists():
            write_input_workbook(target, year, start, end)
        return download(target, f"{fiscal.label(year)}_入力ブック.xlsx")
    # one 施策's workbook: 基本戦略名 and 施策名 filled in, named after the 施策 (made
    # for the request: the name and the list change, and it takes ~50 ms)
    # lazy: the input workbook's writer (openpyxl, ~0.4 s) only when one is written
    from chosho_xlsx.writers.input_workbook import policy_rows

    with tempfile.TemporaryDirectory(prefix="chosho-portal-") as tmp:
        path = Path(tmp) / "template.xlsx"
        write_input_workbook(path, year, start, end, policy_rows(year, start, end, policy.strategy, policy.name))
        content = path.read_bytes()
    return attachment(content, f"{fiscal.label(year)}_入力ブック_{policy.name}.xlsx")


# ---- the planning division's pages ----------------------------------------------------------------


def _dashboard_context(request, year: int | None, **extra) -> dict:
    board = review.dashboard(year)
    wanted, section = request.GET.get("status", ""), request.GET.get("section", "")
    shown = [r for r in board.rows if (not wanted or r.status == wanted) and (not section or r.policy.section == section)]
    due = deadlines.deadline_of(board.year)
    return {
        "deadline": due, "overdue": {r.policy.pk for r in board.rows if deadlines.overdue(r.policy, due)},
        "year": board.year, "years": review.fiscal_years(), "rows": shown, "total": len(board.rows),
        "counts": list(board.counts.items()), "status": wanted, "section": section,
        "sections": sorted({r.policy.section for r in board.rows}),
        "builds": Build.objects.filter(fiscal_year=board.year).select_related("user").order_by("-id")[:5],
        "default_period": files.default_period(), "overview": _overview_table(board.year),
        "register_form": forms.RegisterForm(), **extra,
    }


@require_GET
@planning_only
def dashboard(request):
    return render(request, "portal/dashboard.html",
                  _dashboard_context(request, review.year_asked(request.GET.get("year"))))


def _overview_table(year: int | None) -> dict | None:
    ov = overview.year_overview(year)
    return overview.table(ov) if ov else None


def _policy_form(request, pk: int, form_class, field: str, take, done: str, shown_as: str):
    """A planning action on a 施策 with one field (差し戻し's comment, an added 課): taken,
    or the 施策's page again with the form (`shown_as` in the page) and the answer at its
    field."""
    form = form_class(request.POST)
    policy = visible_or_404(Policy.objects.all(), pk)
    try:
        take(request.user, policy, _valid(form)[field])
    except PortalError as exc:
        context = _policy_context(request, policy, **{shown_as: form})
        return _again(request, "portal/policy.html", context, form, field, exc)
    messages.success(request, say(done))
    return redirect("policy", policy.pk)


@require_POST
@planning_only
def policy_return(request, pk: int):
    return _policy_form(request, pk, forms.ReasonForm, "comment", review.send_back, "returned", "return_form")


def _confirmed(request, pk: int, action: str, take, done: str):
    """確定 and 確定解除: GET asks first (a page of its own, no JavaScript needed); POST
    takes it, or asks again with the reason at its field."""
    policy = visible_or_404(Policy.objects.all(), pk)
    form = forms.ReasonForm(request.POST if request.method == "POST" else None)
    context = {"policy": policy, "transition": workflow.TRANSITIONS[action], "form": form,
               "status": review.status_of(policy)}
    if request.method == "GET":
        refused = workflow.refusal(action, request.user.profile.role, policy.state)
        if refused is not None:
            raise refused
        return render(request, "portal/confirm.html", context)
    try:
        take(request.user, policy, _valid(form)["comment"])
    except PortalError as exc:
        return _again(request, "portal/confirm.html", context, form, "comment", exc)
    messages.success(request, say(done))
    return redirect("policy", policy.pk)


@require_http_methods(["GET", "POST"])
@planning_only
def policy_lock(request, pk: int):
    return _confirmed(request, pk, workflow.LOCK, review.lock, "locked")


@require_http_methods(["GET", "POST"])
@planning_only
def policy_unlock(request, pk: int):
    return _confirmed(request, pk, workflow.UNLOCK, review.unlock, "unlocked")


@require_POST
@signed_in
def policy_withdraw(request, pk: int):
    policy = visible_or_404(visible_policies(request.user), pk)
    review.withdraw(request.user, policy)
    messages.success(request, say("withdrawn"))
    return redirect("policy", policy.pk)


@require_POST
@planning_only
def policy_assign(request, pk: int):
    return _policy_form(request, pk, forms.AssignForm, "section", registry.assign, "assigned", "assign_form")


@require_POST
@planning_only
def policy_register(request):
    form = forms.RegisterForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/dashboard.html",
                      _dashboard_context(request, review.year_asked(None), register_form=form), status=400)
    year, plan = form.cleaned_data["year"], form.cleaned_data["plan"]
    try:
        policy = registry.register(request.user, year, plan.start, plan.end, form.cleaned_data["name"],
                                   form.cleaned_data["section"])
    except PortalError as exc:
        return _again(request, "portal/dashboard.html", _dashboard_context(request, year, register_form=form),
                      form, "name", exc)
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
