"""Receiving a workbook as a version of its 施策 (kept by its hash, with its findings),
and the files made from a version: the annotated copy, the sheets drawn as a grid with
the faulty cells marked, the blank workbook's period. (The PDF preview is a job:
services/jobs.)"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

from django.conf import settings
from django.db import connection, transaction

from chosho_xlsx.common.addresses import col_letter, parse_ref
from chosho_xlsx.contract.parsers import shown
from chosho_xlsx.contract.spec import SHEET_NAMES
from chosho_xlsx.intake.reader import read_book
from chosho_xlsx.model import fiscal
from chosho_xlsx.pipeline import check_file
from chosho_xlsx.portal import timing, workflow
from chosho_xlsx.portal.datadir import Staged, StoredNameError
from chosho_xlsx.portal.errors import Forbidden
from chosho_xlsx.portal.examine import Examined, examine_upload, recalled, remember, rules
from chosho_xlsx.portal.models import Event, Policy, Upload
from chosho_xlsx.portal.services import data
from chosho_xlsx.portal.services.builds import blob
from chosho_xlsx.portal.services.registry import policy_for
from chosho_xlsx.portal.words import say
from chosho_xlsx.writers.annotate import annotate
from chosho_xlsx.writers.naming import safe_stem

__all__ = ["annotated", "blob", "default_period", "display_name", "grid", "receive", "record", "store_and_examine"]


def display_name(name: str) -> str:
    """The name the browser sent, for showing only: its last part, made harmless."""
    base = PureWindowsPath(name.replace("/", "\\")).name
    return safe_stem(base, 150) if base else "upload.xlsx"


def receive(user, content: bytes, filename: str, hint: Policy | None = None) -> tuple[Upload, bool]:
    """Keep an uploaded workbook as a new version of its 施策, with its findings.
    (upload, True) when new; (the existing upload, False) for bytes already uploaded.

    A readable version becomes the one the 施策 is judged by (Policy.current); an
    unreadable one is kept as evidence and never does. Bytes already uploaded make that
    version current again, when the workflow lets the department upload."""
    if user.profile.planning:
        raise Forbidden(say("departments-submit"))
    with store_and_examine(content, filename) as stored:
        return record(user, stored, hint)


@dataclass(frozen=True)
class Stored:
    """A workbook examined, not yet a version of anything: its durable copy is kept under
    its hash (record) only when it becomes one, so that bytes refused before (no 施策 to
    be told, another 課's, a closed 施策) never fill the disk."""

    name: str  # for showing only
    suffix: str
    sha: str
    size: int
    examined: Examined
    staged: Staged = field(repr=False)


@contextlib.contextmanager
def store_and_examine(content: bytes, filename: str) -> Iterator[Stored]:
    """The upload written durably (DataDir.staged: before the database's write lock) and
    examined from that same copy, which record() keeps under its hash; the copy is gone
    when the block ends, kept or not. (It was written twice, once to examine and once to
    keep: ~0.2 ms of the server's CPU an upload, issue 22.)"""
    name = display_name(filename)
    suffix = next((s for s in (".xlsm", ".ods") if name.lower().endswith(s)), ".xlsx")
    with timing.phase("hash"):
        sha = hashlib.sha256(content).hexdigest()
    with data().staged(content, suffix, sha) as staged:
        examined = recalled(sha, suffix, name)  # the same bytes examined lately: the same findings
        if examined is None:
            examined = _examined(staged, content, suffix, name)
            remember(sha, suffix, name, examined)
        yield Stored(name, suffix, sha, len(content), examined, staged)


def _examined(staged: Staged, content: bytes, suffix: str, name: str) -> Examined:
    if staged.source is not None:
        return examine_upload(staged.source, name)
    # the same bytes are kept already (not examined lately by this process): a private
    # copy to examine, not the kept file, which pruning a refused upload may remove
    with data().incoming(content, suffix) as path:
        return examine_upload(path, name)


def record(user, stored: Stored, hint: Policy | None = None, fixed_from: Upload | None = None,
           fixed_cells: str = "") -> tuple[Upload, bool]:
    """The stored workbook as the next version of its 施策 (receive; and services/fixes for
    a version made by fixing cells of `fixed_from` in the page, which the history and the
    audit log say)."""
    examined = stored.examined
    findings, errors = examined.findings, examined.errors
    if timing.recording():  # what encoding the findings costs (the row and the answer each do)
        with timing.phase("json"):
            json.dumps(findings, ensure_ascii=False)
    with timing.phase("db"), one_writer(), transaction.atomic():
        policy = policy_for(examined, user, hint)  # its row locked: one version number at a time
        may_upload = workflow.refusal(workflow.UPLOAD, user.profile.role, policy.state)
        last, same = versions_of(policy.pk, stored.sha)
        if same is not None:
            existing = Upload.objects.select_related("user").get(pk=same)
            existing.policy = policy  # what the answer shows of both, without two more queries
            if may_upload is None and existing.readable and policy.current_id != existing.pk:
                _make_current(user, policy, existing)
            return existing, False
        if may_upload is not None:
            may_upload.findings = findings
            raise may_upload
        version = (last or 0) + 1
        stored.staged.keep()  # before its row: a version's file is always there
        upload = Upload.objects.create(
            policy=policy, version=version, sha256=stored.sha, suffix=stored.suffix, filename=stored.name,
            size=stored.size, user=user, readable=not examined.unreadable, errors=errors,
            warnings=len(findings) - errors, findings=findings, fixed_from=fixed_from,
        )
        if fixed_from is None:
            action, comment = Event.UPLOAD, say("event.uploaded", version=version, errors=errors,
                                                warnings=upload.warnings)
        else:
            action, comment = Event.FIX, say("event.fixed", version=version, source=fixed_from.version,
                                             cells=fixed_cells, errors=errors, warnings=upload.warnings)
        Event.objects.create(user=user, action=action, policy=policy, upload=upload, comment=comment)
        if upload.readable:
            _make_current(user, policy, upload, event=False)
    if examined.unreadable:
        prune_refused(user.profile.section, settings.CHOSHO_REFUSED_KEEP)
    return upload, True


def versions_of(policy_pk: int, sha256: str) -> tuple[int | None, int | None]:
    """A 施策's last version number and the id of its version of these bytes (None, None
    for a 施策 without versions), in one statement. Written out rather than as
    `aggregate(Max, Max(filter=Q))`: Django built that aggregate in ~0.45 ms of the
    server's CPU an upload, running it takes ~0.03 ms (issue 22)."""
    meta, qn = Upload._meta, connection.ops.quote_name
    pk, version, sha, policy = (qn(meta.get_field(f).column) for f in ("id", "version", "sha256", "policy"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({version}), MAX(CASE WHEN {sha} = %s THEN {pk} END)"  # nosec B608  # names from the models' _meta, quoted; values as parameters
                       f" FROM {qn(meta.db_table)} WHERE {policy} = %s", [sha256, policy_pk])
        return cursor.fetchone()


def _make_current(user, policy: Policy, upload: Upload, event: bool = True) -> None:
    """The department chose this version: the 施策 is judged by it from now on (a returned
    one stays 差し戻し until it is submitted again, so that the planning division sees it)."""
    policy.current = upload
    # one UPDATE written out, as save(update_fields=["current"]) would send it (no signal
    # listens to Policy): Django built that one in ~0.15 ms of the server's CPU (issue 22)
    meta, qn = Policy._meta, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {qn(meta.db_table)} SET {qn(meta.get_field('current').column)} = %s"  # nosec B608  # names from the models' _meta, quoted; values as parameters
                       f" WHERE {qn(meta.pk.column)} = %s", [upload.pk, policy.pk])
    if event:
        Event.objects.create(user=user, action=Event.CURRENT, policy=policy, upload=upload,
                             comment=say("event.current", version=upload.version))


_writer = threading.Lock()


@contextlib.contextmanager
def one_writer():
    """On SQLite, this process's threads take turns for the write transaction of an
    upload. SQLite lets one writer in at a time and makes the others poll, sleeping up
    to 100 ms between tries (its busy handler; bench/portal_load.py at 20 clients showed
    the database phase at p95 0.4 s of a 1 s upload); a lock of the process wakes the
    next thread the moment the transaction ends. (PostgreSQL locks rows, not the
    database: writes there stay concurrent.)"""
    if connection.vendor != "sqlite":
        yield
        return
    with _writer:
        yield


def prune_refused(section: str, keep: int) -> int:
    """Remove the files of a 課's refused uploads (not readable as workbooks) past the
    newest `keep`: what anyone can send costs bounded disk. The rows, their findings
    and the audit log stay; the file of a version that is readable is never touched,
    nor one that another 課's refused upload within its own newest `keep` still shows
    (the same bytes are stored once, whoever sent them). Returns how many files were removed."""
    newest: dict[str, set[int]] = {}

    def within_quota(sec: str) -> set[int]:
        if sec not in newest:
            newest[sec] = set(Upload.objects.filter(readable=False, user__profile__section=sec)
                              .order_by("-created", "-id").values_list("id", flat=True)[:keep])
        return newest[sec]

    refused = list(Upload.objects.filter(readable=False, user__profile__section=section)
                   .order_by("-created", "-id").only("sha256", "suffix"))
    removed = 0
    for u in refused[keep:]:
        sharing = Upload.objects.filter(sha256=u.sha256, suffix=u.suffix).values_list(
            "id", "readable", "user__profile__section")
        if any(readable or pk in within_quota(sec or "") for pk, readable, sec in sharing):
            continue
        try:
            path = data().blob(u.sha256, u.suffix)
        except StoredNameError:
            continue
        if path.exists():
            path.unlink()
            removed += 1
    return removed


# The annotated copy is made with openpyxl, which writes Office Open XML only.
ANNOTATABLE = (".xlsx", ".xlsm")


def annotated(upload: Upload) -> Path:
    """The annotated copy (validate --annotate) of a version, made once (an .xlsx or
    .xlsm upload: not an .ods, ANNOTATABLE)."""
    target = data().derived(f"{upload.sha256}.annotated.xlsx")  # macros dropped: a plain workbook
    if not target.exists():
        source = blob(upload)
        annotate(source, check_file(source, rules()).findings, target, "ja")
    return target


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
    return [_sheet_grid(name, sheet, at, notes.get(name, [])) for name, sheet in book.sheets.items()]


def _sheet_grid(name: str, sheet, at: dict[tuple[str, str], dict], notes: list[dict]) -> GridSheet:
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
    return GridSheet(name, letters, grid_rows, notes, len(marks), len(sheet.rows) > n_rows or width > n_cols)


def default_period() -> tuple[int, int, int]:
    """実施年度 and 計画期間 of a blank template when no 施策 says which (CHOSHO_YEAR,
    CHOSHO_PLAN; R6 and R3-R7 by default)."""
    year = fiscal.parse_year(os.environ.get("CHOSHO_YEAR", "R6"))
    period = fiscal.parse_period(os.environ.get("CHOSHO_PLAN", "R3-R7"))
    return year, period.start, period.end
