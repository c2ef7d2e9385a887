"""What the portal does, without HTTP: the web pages (views.py) and the JSON API (api.py)
both call these. Validation, the annotated copy, the 調書 and the preview all come from
the pipeline (check_file, annotate, batch.build.run, preview); nothing is re-implemented here."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q

from chosho_xlsx.batch.build import policy_key
from chosho_xlsx.domain import fiscal
from chosho_xlsx.portal.examine import Named, examine_upload, rules
from chosho_xlsx.portal.models import (
    HAS_ERRORS,
    HAS_WARNINGS,
    LOCKED,
    NOT_SUBMITTED,
    STATUSES,
    SUBMITTED,
    Assignment,
    Build,
    Event,
    Policy,
    Upload,
)
from chosho_xlsx.writers.atomic import atomic_path
from chosho_xlsx.writers.naming import safe_stem


class Refused(Exception):
    """A request the portal turns down: an HTTP status and one sentence in Japanese (and
    the findings of the file, when there is one to show)."""

    def __init__(self, status: int, message: str, findings: list[dict] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.findings = findings or []


def data():
    return settings.DATA


# ---- who may see and submit what ---------------------------------------------------------


def sections_of(policy: Policy) -> set[str]:
    return {policy.section, *policy.assignments.values_list("section", flat=True)}


def visible_policies(user):
    """The 施策 a user may see: all for the planning division, else those of its 課."""
    qs = Policy.objects.all()
    if user.profile.planning:
        return qs
    section = user.profile.section
    return qs.filter(Q(section=section) | Q(assignments__section=section)).distinct()


def visible_uploads(user):
    return Upload.objects.filter(policy__in=visible_policies(user))


def status_of(policy: Policy, latest: Upload | None) -> str:
    if policy.state == Policy.LOCKED:
        return LOCKED
    if policy.state == Policy.SUBMITTED:
        return SUBMITTED
    if latest is None:
        return NOT_SUBMITTED
    if latest.errors or not latest.readable:
        return HAS_ERRORS
    if latest.warnings:
        return HAS_WARNINGS
    return NOT_SUBMITTED


def latest_uploads(policies) -> dict[int, Upload]:
    """policy id → its newest version, in one query."""
    out: dict[int, Upload] = {}
    for u in Upload.objects.filter(policy__in=policies).order_by("policy_id", "-version").defer("findings"):
        out.setdefault(u.policy_id, u)
    return out


@dataclass
class Row:
    policy: Policy
    latest: Upload | None
    status: str
    returned: Event | None = None


def rows(policies) -> list[Row]:
    """Each 施策 with its newest version and status (and the 差し戻し comment if that
    was the last thing that happened to it)."""
    policies = list(policies)
    latest = latest_uploads(policies)
    reviews: dict[int, Event] = {}
    for e in Event.objects.filter(policy__in=policies, action__in=(Event.SUBMIT, Event.RETURN)):
        reviews.setdefault(e.policy_id, e)  # newest first
    out = []
    for p in policies:
        last = reviews.get(p.pk)
        returned = last if last is not None and last.action == Event.RETURN and p.state == Policy.OPEN else None
        out.append(Row(p, latest.get(p.pk), status_of(p, latest.get(p.pk)), returned))
    return out


def fiscal_years() -> list[int]:
    return sorted(set(Policy.objects.values_list("fiscal_year", flat=True)), reverse=True)


def year_asked(text: str | None) -> int | None:
    """The 実施年度 a request names (「R6」, 「令和6年度」, 2024), else the newest with a 施策."""
    if not text:
        years = fiscal_years()
        return years[0] if years else None
    try:
        year = fiscal.parse_year(text)
    except fiscal.YearError:
        year = None
    if year is None:
        raise Refused(400, f"実施年度を読めません: {text}")
    return year


@dataclass
class Dashboard:
    year: int | None
    rows: list[Row]
    counts: dict[str, int]


def dashboard(year: int | None) -> Dashboard:
    """Every 施策 of a year with its status, and how many have each status."""
    all_rows = rows(Policy.objects.filter(fiscal_year=year).order_by("section", "name"))
    counts = Counter(r.status for r in all_rows)
    return Dashboard(year, all_rows, {s: counts.get(s, 0) for s in STATUSES})


# ---- receiving a workbook --------------------------------------------------------------------


def display_name(name: str) -> str:
    """The name the browser sent, for showing only: its last part, made harmless."""
    base = PureWindowsPath(name.replace("/", "\\")).name
    return safe_stem(base, 150) if base else "upload.xlsx"


def _policy_for(named: Named | None, user, hint: Policy | None, findings: list[dict]) -> Policy:
    """The 施策 a workbook is for: the one it names (registered on the first upload of a
    課 that is among its 事業群's 主管課), else the one the upload page was for."""
    section = user.profile.section
    if named is None:
        if hint is not None:
            return hint
        mine = list(visible_policies(user).filter(state=Policy.OPEN))
        if len(mine) == 1:
            return mine[0]
        raise Refused(422, "ブックから施策名・実施年度を読み取れないため、どの施策の版か決められません。"
                           "「わたしの施策」から施策を選び、そのページでアップロードしてください。", findings)
    year, key = policy_key(named.fiscal_year, named.policy)
    policy = Policy.objects.filter(fiscal_year=year, key=key).first()
    if policy is not None:
        if section not in sections_of(policy):
            raise Refused(403, f"施策「{policy.name}」の主管課は{policy.section}で、{section}は提出できません。"
                               "担当する場合は企画課に担当の追加を依頼してください。", findings)
        return policy
    owners = named.sections
    if section not in owners:
        listed = "、".join(owners) or "（空欄）"
        raise Refused(403, f"このブックの事業群の主管課は{listed}で、{section}はありません。"
                           "事業群シートの主管課を確かめてください。", findings)
    policy, created = Policy.objects.get_or_create(
        fiscal_year=year, key=key,
        defaults={"name": named.policy, "section": section, "plan_start": named.plan_start,
                  "plan_end": named.plan_end},
    )
    if created:
        for other in owners:
            if other != section:
                Assignment.objects.get_or_create(policy=policy, section=other)
        Event.objects.create(user=user, action=Event.REGISTER, policy=policy, comment=f"主管課 {section}")
    return policy


def receive(user, content: bytes, filename: str, hint: Policy | None = None) -> tuple[Upload, bool]:
    """Keep an uploaded workbook as a new version of its 施策, with its findings.
    (upload, True) when new; (the existing upload, False) for bytes already uploaded."""
    if user.profile.planning:
        raise Refused(403, "提出は部局の利用者が行います。")
    name = display_name(filename)
    suffix = ".xlsm" if name.lower().endswith(".xlsm") else ".xlsx"
    sha, path = data().store(content, suffix)
    examined = examine_upload(path, name)
    findings, errors = examined.findings, examined.errors
    with transaction.atomic():
        policy = _policy_for(examined.named, user, hint, findings)
        policy = Policy.objects.select_for_update().get(pk=policy.pk)  # one version number at a time
        existing = policy.uploads.filter(sha256=sha).first()
        if existing is not None:
            return existing, False
        if policy.state != Policy.OPEN:
            raise Refused(409, f"施策「{policy.name}」は{status_of(policy, None)}のため、新しい版を受け付けません。"
                               "直す必要があるときは企画課に差し戻しを依頼してください。", findings)
        version = (policy.uploads.aggregate(n=Max("version"))["n"] or 0) + 1
        upload = Upload.objects.create(
            policy=policy, version=version, sha256=sha, suffix=suffix, filename=name, size=len(content),
            user=user, readable=not examined.unreadable, errors=errors,
            warnings=len(findings) - errors, findings=findings,
        )
        Event.objects.create(user=user, action=Event.UPLOAD, policy=policy, upload=upload,
                             comment=f"第{version}版（エラー{errors}件・警告{upload.warnings}件）")
    return upload, True


def blob(upload: Upload) -> Path:
    return data().blob(upload.sha256, upload.suffix)


# ---- submitting and reviewing ------------------------------------------------------------------


def _locked_policy(pk: int) -> Policy:
    return Policy.objects.select_for_update().get(pk=pk)


def submit(user, upload: Upload, comment: str) -> None:
    comment = comment.strip()
    with transaction.atomic():
        policy = _locked_policy(upload.policy_id)
        if policy.state != Policy.OPEN:
            raise Refused(409, f"この施策はすでに{status_of(policy, None)}です。")
        latest = policy.uploads.order_by("-version").first()
        if latest.pk != upload.pk:
            raise Refused(409, f"提出できるのは最新の版（第{latest.version}版）だけです。")
        if not upload.valid:
            raise Refused(409, "エラーがあるため提出できません。エラーを直したブックをアップロードしてください。")
        if upload.warnings and not comment:
            raise Refused(400, "警告があります。内容を確認したことをコメント欄に書いてから提出してください。")
        policy.state, policy.submitted = Policy.SUBMITTED, upload
        policy.save(update_fields=["state", "submitted"])
        Event.objects.create(user=user, action=Event.SUBMIT, policy=policy, upload=upload, comment=comment)


def send_back(user, policy: Policy, comment: str) -> None:
    """差し戻し: the department may upload and submit again."""
    comment = comment.strip()
    if not comment:
        raise Refused(400, "差し戻しの理由をコメント欄に書いてください。")
    with transaction.atomic():
        policy = _locked_policy(policy.pk)
        if policy.state != Policy.SUBMITTED:
            raise Refused(409, "差し戻せるのは提出済の施策だけです。")
        upload = policy.submitted
        policy.state, policy.submitted = Policy.OPEN, None
        policy.save(update_fields=["state", "submitted"])
        Event.objects.create(user=user, action=Event.RETURN, policy=policy, upload=upload, comment=comment)


def lock(user, policy: Policy, comment: str = "") -> None:
    """確定: the submitted version is final."""
    with transaction.atomic():
        policy = _locked_policy(policy.pk)
        if policy.state != Policy.SUBMITTED:
            raise Refused(409, "確定できるのは提出済の施策だけです。")
        policy.state = Policy.LOCKED
        policy.save(update_fields=["state"])
        Event.objects.create(user=user, action=Event.LOCK, policy=policy, upload=policy.submitted,
                             comment=comment.strip())


def assign(user, policy: Policy, section: str) -> None:
    section = section.strip()
    if not section:
        raise Refused(400, "課名を入れてください。")
    with transaction.atomic():
        _, created = Assignment.objects.get_or_create(policy=policy, section=section)
        if created:
            Event.objects.create(user=user, action=Event.ASSIGN, policy=policy, comment=section)


def register(user, fiscal_year: int, plan_start: int, plan_end: int, name: str, section: str) -> Policy:
    """The planning division lists a 施策 before anything is uploaded (so it shows 未提出)."""
    name, section = name.strip(), section.strip()
    if not name or not section:
        raise Refused(400, "施策名と主管課を入れてください。")
    year, key = policy_key(fiscal_year, name)
    with transaction.atomic():
        policy, created = Policy.objects.get_or_create(
            fiscal_year=year, key=key,
            defaults={"name": name, "section": section, "plan_start": plan_start, "plan_end": plan_end})
        if not created:
            raise Refused(409, f"施策「{policy.name}」はすでに登録されています。")
        Event.objects.create(user=user, action=Event.REGISTER, policy=policy, comment=f"主管課 {section}")
    return policy


# ---- files made from an upload ------------------------------------------------------------------


def annotated(upload: Upload) -> Path:
    """The annotated copy (validate --annotate) of a version, made once."""
    from chosho_xlsx.batch.pipeline import check_file
    from chosho_xlsx.writers.annotate import annotate

    target = data().derived(f"{upload.sha256}.annotated{upload.suffix}")
    if not target.exists():
        source = blob(upload)
        annotate(source, check_file(source, rules()).findings, target, "ja")
    return target


def _batch(uploads: list[tuple[str, Upload]], out: Path, summary: bool):
    """batch.build.run over copies of the stored files named for people (the 一覧 lists them)."""
    from chosho_xlsx.batch.build import run

    inputs = out / "提出"
    inputs.mkdir(parents=True)
    paths = []
    for label, u in uploads:
        path = inputs / f"{safe_stem(label)}{u.suffix}"
        shutil.copyfile(blob(u), path)
        paths.append(path)
    # One process: forking workers from a server thread is not safe. The 一覧 names each
    # input as the copy is named, not by the temporary folder (same ZIP for the same
    # submissions).
    return run(paths, out / "調書", rules(), jobs=1, summary=summary,
               labels=[p.name for p in paths])


def build_zip(user, fiscal_year: int) -> Build:
    """Every submitted (or locked) 施策 of the year built by `build`, and the 一覧, in one ZIP."""
    policies = list(Policy.objects.filter(fiscal_year=fiscal_year, state__in=(Policy.SUBMITTED, Policy.LOCKED))
                    .select_related("submitted").order_by("section", "name"))
    if not policies:
        raise Refused(409, "提出済の施策がまだありません。")
    with tempfile.TemporaryDirectory(prefix="chosho-portal-") as tmp:
        batch = _batch([(f"{p.section}_{p.name}_第{p.submitted.version}版", p.submitted) for p in policies],
                       Path(tmp), summary=True)
        files = [e.path for e in batch.built] + ([batch.summary] if batch.summary else [])
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, path.name)
    content = buf.getvalue()
    with transaction.atomic():  # no Build row without its ZIP
        build = Build.objects.create(user=user, fiscal_year=fiscal_year, policies=len(batch.built),
                                     sha256=hashlib.sha256(content).hexdigest())
        with atomic_path(data().build(build.pk)) as tmp_zip:
            tmp_zip.write_bytes(content)
        Event.objects.create(user=user, action=Event.BUILD, comment=f"{len(batch.built)}件の調書と一覧")
    return build


@dataclass
class Pdf:
    path: Path | None = None
    missing: str = ""  # why there is none: LibreOffice is not installed …


def preview_pdf(upload: Upload) -> Pdf:
    """The 調書 of a version printed to PDF by LibreOffice (made once per version)."""
    from chosho_xlsx.render.libreoffice import LibreOfficeError, LibreOfficeMissing
    from chosho_xlsx.render.preview import preview

    target = data().derived(f"{upload.sha256}.pdf")
    if target.exists():
        return Pdf(target)
    with tempfile.TemporaryDirectory(prefix="chosho-portal-") as tmp:
        batch = _batch([("input", upload)], Path(tmp), summary=False)
        if not batch.built:
            return Pdf(missing="この版からは調書を作成できません（エラーがあります）。")
        try:
            pdf = preview(batch.built[0].path, Path(tmp) / "pdf").pdf
        except LibreOfficeMissing as exc:
            return Pdf(missing=exc.message("ja"))
        except LibreOfficeError as exc:
            return Pdf(missing=f"印刷イメージを作れませんでした: {exc}")
        with atomic_path(target) as out:
            shutil.copyfile(pdf, out)
    return Pdf(target)


# ---- the sheet drawn as a grid ------------------------------------------------------------------

MAX_ROWS, MAX_COLS = 200, 40


@dataclass
class GridSheet:
    name: str
    columns: list[str]
    rows: list[tuple[int, list[tuple[str, str, str, str]]]]  # (row, [(text, class, title, cell)])
    notes: list[dict] = field(default_factory=list)  # findings about the sheet or a column
    marked: int = 0
    clipped: bool = False

    @property
    def problems(self) -> int:
        return self.marked + len(self.notes)


def grid(upload: Upload) -> list[GridSheet]:
    """Each sheet of a readable version as a grid, the faulty cells marked as in the
    annotated copy (red: error, yellow: warning; the message on hover)."""
    from chosho_xlsx.common.addresses import col_letter, parse_ref
    from chosho_xlsx.contract.parsers import shown
    from chosho_xlsx.contract.spec import SHEET_NAMES
    from chosho_xlsx.intake.reader import read_book

    if not upload.readable:
        return []
    book = read_book(blob(upload), SHEET_NAMES)
    at: dict[tuple[str, str], dict] = {}
    notes: dict[str, list[dict]] = {}
    for f in upload.findings:
        if f["cell"]:
            at[(f["sheet"], f["cell"])] = f
        else:
            notes.setdefault(f["sheet"], []).append(f)
    out = []
    for name, sheet in book.sheets.items():
        marks = [parse_ref(c) for (s, c) in at if s == name]
        n_rows = max([min(len(sheet.rows), MAX_ROWS)] + [r for r, _ in marks])
        width = max([len(r) for r in sheet.rows[:n_rows]] + [0])
        n_cols = max([min(width, MAX_COLS)] + [c + 1 for _, c in marks])
        letters = [col_letter(i) for i in range(n_cols)]
        grid_rows = []
        for r in range(1, n_rows + 1):
            cells = []
            for i, letter in enumerate(letters):
                f = at.get((name, f"{letter}{r}"))
                text = shown(sheet.value(r, i))
                if f is None:
                    cells.append((text, "h" if r == 1 else "", "", ""))
                else:
                    cells.append((text, f["severity"], f"{f['place']} {f['message']} → {f['hint']}", f["cell"]))
            grid_rows.append((r, cells))
        out.append(GridSheet(name, letters, grid_rows, notes.get(name, []), len(marks),
                             len(sheet.rows) > n_rows or width > n_cols))
    return out


def default_period() -> tuple[int, int, int]:
    """実施年度 and 計画期間 of a blank template when no 施策 says which (CHOSHO_YEAR,
    CHOSHO_PLAN; R6 and R3-R7 by default)."""
    year = fiscal.parse_year(os.environ.get("CHOSHO_YEAR", "R6"))
    period = fiscal.parse_period(os.environ.get("CHOSHO_PLAN", "R3-R7"))
    return year, period.start, period.end


# ---- the yearly cycle: two versions compared (diff.py) ---------------------------------------------


def version_label(upload: Upload) -> str:
    return f"{fiscal.label(upload.policy.fiscal_year)} 第{upload.version}版"


def versions_to_compare(policy: Policy, old: str | None, new: str | None) -> tuple[Upload, Upload]:
    """The two versions of a 施策 asked for by id (the two newest when not asked); 404
    for an id that is not this 施策's, 409 when it has fewer than two versions."""
    from django.http import Http404

    uploads = list(policy.uploads.select_related("policy").defer("findings").order_by("-version"))
    by_id = {str(u.pk): u for u in uploads}
    if not old and not new:
        if len(uploads) < 2:
            raise Refused(409, "比べるには、この施策の版が2つ以上必要です。")
        return uploads[1], uploads[0]
    if old not in by_id or new not in by_id:
        raise Http404
    return by_id[old], by_id[new]


def diff_versions(old: Upload, new: Upload):
    """diff.diff_files on two stored versions; Refused (422) when one has no content to compare."""
    from chosho_xlsx.cycle.diff import DiffRefused, diff_files

    try:
        return diff_files(blob(old), blob(new), rules(), old_name=version_label(old), new_name=version_label(new))
    except DiffRefused as exc:
        which = old if exc.checked.source == version_label(old) else new
        raise Refused(422, f"{version_label(which)}は読み取れないところがあるため比べられません"
                           "（版のページに確認結果があります）。") from None


# ---- the yearly cycle: last year's submission rolled over (rollover.py) ---------------------------


def rollover_source(user, policy: Policy) -> Upload | None:
    """The version of the same 施策 in the previous 実施年度 that next year's workbook starts
    from: the one submitted (or locked), else the newest without errors; None when the
    portal holds none this user may see."""
    previous = visible_policies(user).filter(key=policy.key, fiscal_year=policy.fiscal_year - 1).first()
    if previous is None:
        return None
    if previous.state in (Policy.SUBMITTED, Policy.LOCKED) and previous.submitted_id:
        return previous.submitted
    return next((u for u in previous.uploads.defer("findings").order_by("-version") if u.valid), None)


def rolled_over(source: Upload, policy: Policy) -> bytes:
    """rollover.rollover_file on a stored version, to the 施策's 実施年度."""
    from chosho_xlsx.cycle.rollover import (
        RolloverError,
        RolloverRefused,
        rollover_bytes,
        rollover_file,
    )

    try:
        return rollover_bytes(rollover_file(blob(source), rules(), to=policy.fiscal_year, name=source.filename))
    except RolloverError as exc:
        raise Refused(409, exc.message("ja")) from None
    except RolloverRefused:
        raise Refused(422, f"{version_label(source)}は読み取れないところがあるため繰り越せません。") from None
