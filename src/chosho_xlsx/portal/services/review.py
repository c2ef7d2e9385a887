"""The state of each 施策 (its row on the pages, the year's dashboard) and the transitions
the department and the planning division take (submit, return, lock), each in a
transaction holding the 施策's row, each written to the audit log (Event)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal import workflow
from chosho_xlsx.portal.errors import Invalid
from chosho_xlsx.portal.models import Event, Policy, Upload
from chosho_xlsx.portal.words import say
from chosho_xlsx.portal.workflow import Version


def status_of(policy: Policy) -> str:
    """The status the pages and the API show for a 施策 (workflow.status)."""
    return workflow.status(policy.state, Version.of(policy.current))


def latest_uploads(policies) -> dict[int, Upload]:
    """policy id → its newest version, in one query."""
    out: dict[int, Upload] = {}
    for u in Upload.objects.filter(policy__in=policies).order_by("policy_id", "-version").defer("findings"):
        out.setdefault(u.policy_id, u)
    return out


@dataclass
class Row:
    policy: Policy
    current: Upload | None  # the version the 施策 is judged by
    status: str
    latest: Upload | None = None  # the newest version (an unreadable one is never current)

    @property
    def reason(self) -> str:
        """The planning division's reason, while it still stands (差し戻し, 確定解除)."""
        return self.policy.reason if self.policy.state in (Policy.RETURNED, Policy.SUBMITTED) else ""


def rows(policies) -> list[Row]:
    """Each 施策 with its current and newest version and its status."""
    policies = list(policies)
    latest = latest_uploads(policies)
    currents = {u.pk: u for u in Upload.objects.filter(pk__in=[p.current_id for p in policies if p.current_id])
                .select_related("user").defer("findings")}
    out = []
    for p in policies:
        current = currents.get(p.current_id)
        out.append(Row(p, current, workflow.status(p.state, Version.of(current)), latest.get(p.pk)))
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
    return Dashboard(year, all_rows, {s: counts.get(s, 0) for s in workflow.STATUSES})


# ---- the transitions --------------------------------------------------------------------------


def _take(user, pk: int, action: str, version: Upload | None = None, text: str = "") -> Policy:
    """Take a workflow transition on a 施策, holding its row: the workflow's refusal if it
    may not be taken now, else the new state saved and the audit event written."""
    text = text.strip()
    with transaction.atomic():
        # of=("self",): the 施策's row only — PostgreSQL refuses FOR UPDATE on the nullable
        # side of the outer join select_related makes for a 施策 with no current version
        policy = Policy.objects.select_for_update(of=("self",)).select_related("current").get(pk=pk)
        refused = workflow.refusal(action, user.profile.role, policy.state, Version.of(policy.current),
                                   Version.of(version), text)
        if refused is not None:
            raise refused
        t = workflow.TRANSITIONS[action]
        event_upload = version or policy.submitted
        policy.state = t.target
        if action == workflow.SUBMIT:
            policy.submitted = version
        elif t.target in (Policy.OPEN, Policy.RETURNED):
            policy.submitted = None
        policy.reason = text if t.reason else ""
        policy.save(update_fields=["state", "submitted", "reason"])
        Event.objects.create(user=user, action=t.label, policy=policy, upload=event_upload, comment=text)
    return policy


def submit(user, upload: Upload, comment: str) -> Policy:
    """提出 (department): the current version, without errors; a comment for warnings."""
    return _take(user, upload.policy_id, workflow.SUBMIT, upload, comment)


def withdraw(user, policy: Policy, comment: str = "") -> Policy:
    """取り下げ (department): back to open, to upload and submit again."""
    return _take(user, policy.pk, workflow.WITHDRAW, text=comment)


def send_back(user, policy: Policy, reason: str) -> Policy:
    """差し戻し (planning division), with the reason the department reads."""
    return _take(user, policy.pk, workflow.RETURN, text=reason)


def lock(user, policy: Policy, comment: str = "") -> Policy:
    """確定 (planning division): the submitted version is final."""
    return _take(user, policy.pk, workflow.LOCK, text=comment)


def unlock(user, policy: Policy, reason: str) -> Policy:
    """確定解除 (planning division), with a reason: back to 提出済."""
    return _take(user, policy.pk, workflow.UNLOCK, text=reason)
