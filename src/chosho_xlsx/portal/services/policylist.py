"""The year's list of 施策 (the 総合計画's list: 基本戦略, 施策名, 主管課), kept by the
planning division: imported from an .xlsx or .csv file or added in the page. Once a year
has a list, an upload naming a 施策 that is not on it is refused with the closest names
(「もしかして: …」) instead of silently registering a typo. A 施策 registered wrongly is
renamed, or merged into the right one (its versions move over; the audit keeps both names).

In: the list file's bytes and its name (untrusted: checked like any upload, read as values
only); Out: Policy rows and Event rows."""

from __future__ import annotations

import csv
import difflib
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from python_calamine import CalamineWorkbook

from chosho_xlsx.common.findings import UnreadableFile
from chosho_xlsx.common.text import folded, squeezed
from chosho_xlsx.intake.safety import check_workbook
from chosho_xlsx.model.chosho import policy_key
from chosho_xlsx.portal.errors import Conflict, Invalid, Unprocessable
from chosho_xlsx.portal.models import Assignment, Event, Policy, Upload
from chosho_xlsx.portal.words import say

MAX_ROWS = 2000
# The list's columns, by their folded header; the first of each is the one the page names.
HEADERS = {"strategy": ("基本戦略", "基本戦略名"), "name": ("施策名", "施策"), "section": ("主管課", "担当課", "課名")}


@dataclass(frozen=True)
class Listed:
    """One line of the list."""

    strategy: str
    name: str
    section: str


def _rows_of(content: bytes, filename: str) -> list[list[str]]:
    """The cells of the list file as text: an .xlsx through the same safety check as an
    upload (python-calamine, values only), else CSV in UTF-8 (with or without BOM) or
    Shift_JIS (what Excel writes on a Japanese Windows)."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        with tempfile.TemporaryDirectory(prefix="chosho-list-") as tmp:
            path = Path(tmp) / "list.xlsx"
            path.write_bytes(content)
            try:
                check_workbook(path)
                wb = CalamineWorkbook.from_path(str(path))
                try:
                    rows = wb.get_sheet_by_index(0).to_python()
                finally:
                    wb.close()
            except UnreadableFile as exc:
                raise Invalid(exc.finding.message("ja"), code="list-unreadable") from None
            except Exception:  # calamine's own errors: a damaged file is one sentence
                raise Invalid(say("list.unreadable"), code="list-unreadable") from None
        return [["" if c is None else str(c).strip() for c in row] for row in rows[: MAX_ROWS + 1]]
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid(say("list.unreadable"), code="list-unreadable")
    return [[c.strip() for c in row] for row in list(csv.reader(io.StringIO(text)))[: MAX_ROWS + 1]]


def parse_list(content: bytes, filename: str) -> list[Listed]:
    """The 施策 of a list file; Invalid naming the row for a missing column or a blank
    施策名 / 主管課, and for more than MAX_ROWS lines."""
    rows = [r for r in _rows_of(content, filename) if any(r)]
    if not rows:
        raise Invalid(say("list.empty"), code="list-invalid")
    head = [squeezed(folded(h)) for h in rows[0]]
    where: dict[str, int] = {}
    for field, names in HEADERS.items():
        found = next((head.index(n) for n in names if n in head), None)
        if found is None and field != "strategy":
            raise Invalid(say("list.column-missing", column=names[0]), code="list-invalid")
        if found is not None:
            where[field] = found
    if len(rows) - 1 > MAX_ROWS:
        raise Invalid(say("list.too-long", limit=MAX_ROWS), code="list-invalid")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        cell = {f: (row[i] if i < len(row) else "") for f, i in where.items()}
        if not cell["name"] or not cell["section"]:
            raise Invalid(say("list.row-blank", row=n), code="list-invalid")
        out.append(Listed(cell.get("strategy", ""), cell["name"], cell["section"]))
    return out


def import_list(user, fiscal_year: int, plan_start: int, plan_end: int, listed: list[Listed]) -> tuple[int, int]:
    """Register each 施策 of the list for the year (or mark an existing one as listed and
    take its 基本戦略 and 主管課 from the list); (registered, updated)."""
    created = updated = 0
    with transaction.atomic():
        for item in listed:
            year, key = policy_key(fiscal_year, item.name)
            policy, new = Policy.objects.get_or_create(
                fiscal_year=year, key=key,
                defaults={"name": item.name, "section": item.section, "strategy": item.strategy,
                          "plan_start": plan_start, "plan_end": plan_end, "listed": True})
            if new:
                created += 1
                Event.objects.create(user=user, action=Event.REGISTER, policy=policy,
                                     comment=say("event.listed", section=item.section))
            elif (policy.strategy, policy.section, policy.listed) != (item.strategy or policy.strategy,
                                                                      item.section, True):
                policy.strategy = item.strategy or policy.strategy
                policy.section, policy.listed = item.section, True
                policy.save(update_fields=["strategy", "section", "listed"])
                updated += 1
    return created, updated


def suggestions(fiscal_year: int, name: str, n: int = 3) -> list[str]:
    """The listed 施策 of the year whose names are closest to `name` (width and spaces
    set aside), best first."""
    names = list(Policy.objects.filter(fiscal_year=fiscal_year, listed=True).values_list("name", flat=True))
    by_key = {squeezed(folded(x)): x for x in names}
    close = difflib.get_close_matches(squeezed(folded(name)), list(by_key), n=n, cutoff=0.4)
    return [by_key[k] for k in close]


def refuse_unlisted(fiscal_year: int, name: str, findings: list[dict]) -> None:
    """An upload naming a 施策 that is not on the year's list (when there is one) is
    refused, offering the closest names."""
    if not Policy.objects.filter(fiscal_year=fiscal_year, listed=True).exists():
        return
    close = suggestions(fiscal_year, name)
    maybe = say("list.maybe", names="、".join(f"「{x}」" for x in close)) if close else ""
    raise Unprocessable(say("list.not-on-list", policy=name, maybe=maybe), code="policy-not-listed",
                        findings=findings)


def rename(user, policy: Policy, new_name: str) -> Policy:
    """A 施策 registered under a wrong name gets the right one (the audit keeps both)."""
    new_name = new_name.strip()
    if not new_name:
        raise Invalid(say("name-and-section-needed"))
    year, key = policy_key(policy.fiscal_year, new_name)
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        other = Policy.objects.filter(fiscal_year=year, key=key).exclude(pk=policy.pk).first()
        if other is not None:
            raise Conflict(say("list.name-taken", policy=other.name), code="policy-exists")
        old = policy.name
        if old == new_name:
            return policy  # nothing to change, nothing to record
        policy.name, policy.key = new_name, key
        policy.save(update_fields=["name", "key"])
        Event.objects.create(user=user, action=Event.RENAME, policy=policy,
                             comment=say("event.renamed", old=old, new=new_name))
    return policy


def merge(user, source: Policy, target: Policy) -> Policy:
    """Move every version of `source` (a 施策 registered by mistake) into `target` of the
    same year, numbered after target's own, with its events and assigned 課; `source` is
    then removed. Only a 施策 that is neither submitted nor locked can be merged, and only
    into another of its year. Bytes already in `target` are not kept twice."""
    if source.pk == target.pk or source.fiscal_year != target.fiscal_year:
        raise Invalid(say("list.merge-same-year"), code="merge-invalid")
    with transaction.atomic():
        source = Policy.objects.select_for_update().get(pk=source.pk)
        target = Policy.objects.select_for_update().get(pk=target.pk)
        if source.submitted_id or source.state == Policy.LOCKED or source.state == Policy.SUBMITTED:
            raise Conflict(say("list.merge-submitted", policy=source.name), code="merge-submitted")
        offset = target.uploads.aggregate(n=Max("version"))["n"] or 0
        have = {u.sha256: u for u in target.uploads.all()}
        moved = {}
        for up in source.uploads.order_by("version"):
            twin = have.get(up.sha256)
            if twin is not None:  # the same bytes: target's version stands for both
                Event.objects.filter(upload=up).update(upload=twin)
                moved[up.pk] = twin
                _repoint(source, up, twin)
                up.delete()
                continue
            Upload.objects.filter(pk=up.pk).update(policy=target, version=offset + up.version)
            moved[up.pk] = up
        _carry_current(source, target)
        for a in source.assignments.all():
            Assignment.objects.get_or_create(policy=target, section=a.section)
        if source.section != target.section:
            Assignment.objects.get_or_create(policy=target, section=source.section)
        Event.objects.filter(policy=source).update(policy=target)
        Event.objects.create(user=user, action=Event.MERGE, policy=target,
                             comment=say("event.merged", old=source.name, new=target.name, count=len(moved)))
        source.assignments.all().delete()
        source.delete()
    return target


def _repoint(source: Policy, old: Upload, new: Upload) -> None:
    """Whatever of `source` points at an upload about to go points at its twin."""
    for field in ("current",):
        if getattr(source, f"{field}_id", None) == old.pk:
            setattr(source, field, new)
            source.save(update_fields=[field])


def _carry_current(source: Policy, target: Policy) -> None:
    """The version target is judged by stays; a target with none takes source's."""
    if hasattr(target, "current_id") and target.current_id is None and getattr(source, "current_id", None):
        target.current_id = source.current_id
        target.save(update_fields=["current"])
        source.current_id = None
        source.save(update_fields=["current"])
