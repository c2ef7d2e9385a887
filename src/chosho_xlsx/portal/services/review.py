"""The state of each 施策 (its row on the pages, the year's dashboard) and the transitions
the department and the planning division take (submit, return, lock), each in a
transaction holding the 施策's row, each written to the audit log (Event)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.errors import Conflict, Invalid
from chosho_xlsx.portal.models import (
    HAS_ERRORS,
    HAS_WARNINGS,
    LOCKED,
    NOT_SUBMITTED,
    STATUSES,
    SUBMITTED,
    Event,
    Policy,
    Upload,
)
from chosho_xlsx.portal.words import say


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
        raise Invalid(say("year-unreadable", text=text))
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


# ---- the transitions --------------------------------------------------------------------------


def _locked_policy(pk: int) -> Policy:
    return Policy.objects.select_for_update().get(pk=pk)


def submit(user, upload: Upload, comment: str) -> None:
    comment = comment.strip()
    with transaction.atomic():
        policy = _locked_policy(upload.policy_id)
        if policy.state != Policy.OPEN:
            raise Conflict(say("already", status=status_of(policy, None)))
        latest = policy.uploads.order_by("-version").first()
        if latest.pk != upload.pk:
            raise Conflict(say("only-latest", version=latest.version))
        if not upload.valid:
            raise Conflict(say("has-errors"))
        if upload.warnings and not comment:
            raise Invalid(say("comment-needed"))
        policy.state, policy.submitted = Policy.SUBMITTED, upload
        policy.save(update_fields=["state", "submitted"])
        Event.objects.create(user=user, action=Event.SUBMIT, policy=policy, upload=upload, comment=comment)


def send_back(user, policy: Policy, comment: str) -> None:
    """差し戻し: the department may upload and submit again."""
    comment = comment.strip()
    if not comment:
        raise Invalid(say("reason-needed"))
    with transaction.atomic():
        policy = _locked_policy(policy.pk)
        if policy.state != Policy.SUBMITTED:
            raise Conflict(say("return-only-submitted"))
        upload = policy.submitted
        policy.state, policy.submitted = Policy.OPEN, None
        policy.save(update_fields=["state", "submitted"])
        Event.objects.create(user=user, action=Event.RETURN, policy=policy, upload=upload, comment=comment)


def lock(user, policy: Policy, comment: str = "") -> None:
    """確定: the submitted version is final."""
    with transaction.atomic():
        policy = _locked_policy(policy.pk)
        if policy.state != Policy.SUBMITTED:
            raise Conflict(say("lock-only-submitted"))
        policy.state = Policy.LOCKED
        policy.save(update_fields=["state"])
        Event.objects.create(user=user, action=Event.LOCK, policy=policy, upload=policy.submitted,
                             comment=comment.strip())
