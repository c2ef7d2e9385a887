"""The web pages, in Japanese: the department's (わたしの施策, a version's findings and
grid, submit) and the planning division's (提出状況, a 施策's history, return, lock,
build, audit log). Each calls services.py and renders."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from chosho_xlsx.domain import fiscal
from chosho_xlsx.portal import services
from chosho_xlsx.portal.access import planning_only, signed_in, visible_or_404
from chosho_xlsx.portal.models import Build, Event, Policy
from chosho_xlsx.portal.services import Refused

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def refused(request, exc: Refused):
    return render(request, "portal/message.html",
                  {"title": "受け付けられませんでした", "message": exc.message, "findings": exc.findings},
                  status=exc.status)


def download(path, name: str, content_type: str = XLSX, inline: bool = False) -> FileResponse:
    """A stored file, as an attachment (a stored upload is never shown inline as a page)."""
    fh = open(path, "rb")  # noqa: SIM115  (FileResponse closes it when sent)
    response = FileResponse(fh, as_attachment=not inline, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(content: bytes, name: str) -> HttpResponse:
    """A workbook made for this request, as an attachment (as download() sends a stored one)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@signed_in
def home(request):
    return redirect("dashboard" if request.user.profile.planning else "mine")


# ---- the department's pages ---------------------------------------------------------------------


@require_GET
@signed_in
def mine(request):
    policies = services.visible_policies(request.user).order_by("-fiscal_year", "name")
    rows = services.rows(policies)
    rollable = {r.policy.pk for r in rows if services.rollover_source(request.user, r.policy) is not None}
    return render(request, "portal/mine.html", {"rows": rows, "rollable": rollable})


@require_POST
@signed_in
def upload(request):
    file = request.FILES.get("file")
    if file is None:
        return refused(request, Refused(400, "ファイルを選んでから「アップロードして確認」を押してください。"))
    hint = None
    if request.POST.get("policy"):
        hint = visible_or_404(services.visible_policies(request.user), _int(request.POST["policy"]))
    try:
        up, created = services.receive(request.user, file.read(), file.name or "", hint)
    except Refused as exc:
        return refused(request, exc)
    if not created:
        messages.info(request, f"同じ内容のファイルは第{up.version}版として登録済みです。その結果を表示します。")
    return redirect("upload", up.pk)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Http404 from None


@require_GET
@signed_in
def upload_page(request, pk: int):
    up = visible_or_404(services.visible_uploads(request.user).select_related("policy", "user"), pk)
    policy = up.policy
    latest = policy.uploads.order_by("-version").first()
    can_submit = (not request.user.profile.planning and policy.state == Policy.OPEN
                  and latest.pk == up.pk and up.valid)
    return render(request, "portal/upload.html", {
        "up": up, "policy": policy, "latest": latest, "can_submit": can_submit,
        "status": services.status_of(policy, latest), "sheets": services.grid(up),
    })


@require_GET
@signed_in
def upload_file(request, pk: int):
    up = visible_or_404(services.visible_uploads(request.user), pk)
    return download(services.blob(up), up.filename)


@require_GET
@signed_in
def upload_annotated(request, pk: int):
    up = visible_or_404(services.visible_uploads(request.user), pk)
    if not up.readable:
        raise Http404
    stem = up.filename.rsplit(".", 1)[0]
    return download(services.annotated(up), f"{stem}_確認{up.suffix}")


@require_GET
@signed_in
def upload_preview(request, pk: int):
    up = visible_or_404(services.visible_uploads(request.user), pk)
    pdf = services.preview_pdf(up)
    if pdf.path is None:
        return render(request, "portal/message.html", {"title": "印刷イメージを作れません", "message": pdf.missing},
                      status=503 if "LibreOffice" in pdf.missing else 409)
    return download(pdf.path, f"{up.policy.name}_第{up.version}版.pdf", "application/pdf", inline=True)


@require_POST
@signed_in
def submit(request, pk: int):
    up = visible_or_404(services.visible_uploads(request.user), pk)
    if request.user.profile.planning:
        return refused(request, Refused(403, "提出は部局の利用者が行います。"))
    try:
        services.submit(request.user, up, request.POST.get("comment", ""))
    except Refused as exc:
        return refused(request, exc)
    messages.success(request, f"第{up.version}版を提出しました。企画課の確認をお待ちください。")
    return redirect("policy", up.policy_id)


@require_GET
@signed_in
def policy_page(request, pk: int):
    policy = visible_or_404(services.visible_policies(request.user), pk)
    uploads = list(policy.uploads.select_related("user").defer("findings"))
    row = services.rows([policy])[0]
    return render(request, "portal/policy.html", {
        "policy": policy, "row": row, "uploads": uploads,
        "events": policy.events.select_related("user", "upload")[:200],
        "sections": sorted(services.sections_of(policy)),
        "planning": request.user.profile.planning,
        "rollover_source": services.rollover_source(request.user, policy),
    })


@require_GET
@signed_in
def policy_diff(request, pk: int, xlsx: bool = False):
    """Two versions of a 施策 compared (diff.py): the changes table, or the .xlsx change list."""
    from chosho_xlsx.cycle.diff import WARNING, changes_xlsx_bytes, kind_text, severity_text

    policy = visible_or_404(services.visible_policies(request.user), pk)
    try:
        old, new = services.versions_to_compare(policy, request.GET.get("old"), request.GET.get("new"))
        diff = services.diff_versions(old, new)
    except Refused as exc:
        return refused(request, exc)
    if xlsx:
        return attachment(changes_xlsx_bytes(diff), f"{policy.name}_変更一覧_第{old.version}版-第{new.version}版.xlsx")
    rows = [{"change": c, "warning": c.severity == WARNING, "severity": severity_text(c.severity, "ja"),
             "kind": kind_text(c.kind, "ja")} for c in diff.changes]
    return render(request, "portal/diff.html", {
        "policy": policy, "old": old, "new": new, "rows": rows, "warnings": sum(r["warning"] for r in rows),
        "uploads": policy.uploads.defer("findings").order_by("-version"),
    })


@require_GET
@signed_in
def policy_rollover(request, pk: int):
    """Next year's workbook from last year's submission of the 施策 (404 when the portal holds none)."""
    policy = visible_or_404(services.visible_policies(request.user), pk)
    source = services.rollover_source(request.user, policy)
    if source is None:
        raise Http404
    try:
        content = services.rolled_over(source, policy)
    except Refused as exc:
        return refused(request, exc)
    return attachment(content, f"{fiscal.label(policy.fiscal_year)}_入力ブック_繰越_{policy.name}.xlsx")


@require_GET
@signed_in
def template(request, pk: int | None = None):
    """The blank workbook for a 施策's 実施年度 and 計画期間 (the newest 施策's without one)."""
    from chosho_xlsx.writers.template import write_template

    if pk is not None:
        policy = visible_or_404(services.visible_policies(request.user), pk)
    else:
        policy = services.visible_policies(request.user).order_by("-fiscal_year").first()
    year, start, end = ((policy.fiscal_year, policy.plan_start, policy.plan_end) if policy
                        else services.default_period())
    target = services.data().derived(f"template-{year}-{start}-{end}.xlsx")
    if not target.exists():
        write_template(target, year, start, end)
    return download(target, f"{fiscal.label(year)}_入力ブック.xlsx")


# ---- the planning division's pages ----------------------------------------------------------------


@require_GET
@planning_only
def dashboard(request):
    try:
        board = services.dashboard(services.year_asked(request.GET.get("year")))
    except Refused as exc:
        return refused(request, exc)
    wanted, section = request.GET.get("status", ""), request.GET.get("section", "")
    shown = [r for r in board.rows if (not wanted or r.status == wanted) and (not section or r.policy.section == section)]
    return render(request, "portal/dashboard.html", {
        "year": board.year, "years": services.fiscal_years(), "rows": shown, "total": len(board.rows),
        "counts": list(board.counts.items()), "status": wanted, "section": section,
        "sections": sorted({r.policy.section for r in board.rows}),
        "builds": Build.objects.filter(fiscal_year=board.year).select_related("user").order_by("-id")[:5],
        "default_period": services.default_period(),
    })


def _policy_action(request, pk: int, action, done: str, field: str = "comment"):
    policy = visible_or_404(Policy.objects.all(), pk)
    try:
        action(request.user, policy, request.POST.get(field, ""))
    except Refused as exc:
        return refused(request, exc)
    messages.success(request, done)
    return redirect("policy", policy.pk)


@require_POST
@planning_only
def policy_return(request, pk: int):
    return _policy_action(request, pk, services.send_back, "差し戻しました。部局に連絡が表示されます。")


@require_POST
@planning_only
def policy_lock(request, pk: int):
    return _policy_action(request, pk, services.lock, "確定しました。")


@require_POST
@planning_only
def policy_assign(request, pk: int):
    return _policy_action(request, pk, services.assign, "担当課を追加しました。", field="section")


@require_POST
@planning_only
def policy_register(request):
    try:
        year = fiscal.parse_year(request.POST.get("year", ""))
        period = fiscal.parse_period(request.POST.get("plan", ""))
        if year is None or period.end is None:
            raise fiscal.YearError("")
    except fiscal.YearError:
        return refused(request, Refused(400, "実施年度（例: R6）と計画期間（例: R3-R7）を入れてください。"))
    try:
        policy = services.register(request.user, year, period.start, period.end,
                                   request.POST.get("name", ""), request.POST.get("section", ""))
    except Refused as exc:
        return refused(request, exc)
    messages.success(request, f"施策「{policy.name}」を登録しました。")
    return redirect(f"{reverse('dashboard')}?year={policy.fiscal_year}")


@require_POST
@planning_only
def build(request):
    try:
        made = services.build_zip(request.user, services.year_asked(request.POST.get("year")))
    except Refused as exc:
        return refused(request, exc)
    return redirect("build_file", made.pk)


@require_GET
@planning_only
def build_file(request, pk: int):
    return build_download(visible_or_404(Build.objects.all(), pk))


def build_download(made: Build) -> FileResponse:
    """A build's ZIP (the page's link and the API's answer)."""
    return download(services.data().build(made.pk), f"{fiscal.label(made.fiscal_year)}_調書_{made.pk}.zip",
                    "application/zip")


@require_GET
@planning_only
def audit(request):
    return render(request, "portal/audit.html",
                  {"events": Event.objects.select_related("user", "policy", "upload")[:500]})
