"""Which 施策 exist in a 実施年度 and which 課 may submit them: registered by the planning
division, or by a department's first upload of a workbook its 事業群 names it in."""

from __future__ import annotations

from django.db import connection, transaction

from chosho_xlsx.model.chosho import policy_key
from chosho_xlsx.portal.errors import Conflict, Forbidden, Invalid, Unprocessable
from chosho_xlsx.portal.examine import Examined
from chosho_xlsx.portal.models import Assignment, Event, Policy
from chosho_xlsx.portal.services.policylist import refuse_unlisted
from chosho_xlsx.portal.services.visibility import may_submit, visible_policies
from chosho_xlsx.portal.words import say


def policy_for(examined: Examined, user, hint: Policy | None) -> Policy:
    """The 施策 a workbook is for: the one it names (registered on the first upload of a
    課 that is among its 事業群's 主管課), else the one the upload page was for (or the
    課's only open one). A file that names none and is for none is refused with its own
    first finding as the headline: what is wrong with the file, not where to upload it.

    Called inside the caller's transaction: the 施策 returned is read there, its row
    locked (select_for_update: one version number at a time), so the caller needs no
    second read of it."""
    section = user.profile.section
    named, findings = examined.named, examined.findings
    if named is None:
        if hint is not None:
            return _locked(hint.pk)
        mine = list(visible_policies(user).filter(state__in=(Policy.OPEN, Policy.RETURNED)))
        if len(mine) == 1:
            return _locked(mine[0].pk)
        raise _unnamed(examined)
    year, key = policy_key(named.fiscal_year, named.policy)
    policy = next(iter(Policy.objects.raw(_named_sql(), [year, key])), None)
    if policy is not None:
        if not may_submit(policy, section):
            raise Forbidden(say("not-your-policy", policy=policy.name, owner=policy.section, section=section),
                            findings=findings)
        return policy
    refuse_unlisted(year, named.policy, findings)  # a typo is not a new 施策
    owners = named.sections
    if section not in owners:
        raise Forbidden(say("not-your-group", owners="、".join(owners) or say("blank"), section=section),
                        findings=findings)
    policy, created = Policy.objects.get_or_create(
        fiscal_year=year, key=key,
        defaults={"name": named.policy, "section": section, "plan_start": named.plan_start,
                  "plan_end": named.plan_end},
    )
    if not created:  # another upload registered it in between: its row, locked
        return _locked(policy.pk)
    for other in owners:
        if other != section:
            Assignment.objects.get_or_create(policy=policy, section=other)
    Event.objects.create(user=user, action=Event.REGISTER, policy=policy,
                         comment=say("event.registered", section=section))
    return policy  # made by this transaction: no one else sees it before the commit


def _named_sql() -> str:
    """The 施策 of a 実施年度 and 照合用の施策名 (one at most: policy_once_a_year), its row
    locked where the database locks rows. Written out rather than built by a queryset:
    Django compiling `select_for_update().filter(…).first()` cost ~0.3 ms of the
    server's CPU on every upload, ~3× what running the statement does (issue 22)."""
    meta, qn = Policy._meta, connection.ops.quote_name
    sql = (f"SELECT * FROM {qn(meta.db_table)} WHERE {qn(meta.get_field('fiscal_year').column)} = %s"  # nosec B608  # names from the models' _meta, quoted; values as parameters
           f" AND {qn(meta.get_field('key').column)} = %s")
    return sql + " FOR UPDATE" if connection.features.has_select_for_update else sql


def _locked(pk: int) -> Policy:
    return Policy.objects.select_for_update().get(pk=pk)


def _unnamed(examined: Examined) -> Unprocessable:
    first = next((f for f in examined.findings if f["severity"] == "error"), None)
    if examined.unreadable and first is not None:
        return Unprocessable(say("finding-headline", message=first["message"], hint=first["hint"]),
                             code=first["code"], findings=examined.findings)
    return Unprocessable(say("no-policy-named"), findings=examined.findings)


def assign(user, policy: Policy, section: str) -> None:
    """Let a further 課 submit the 施策."""
    section = section.strip()
    if not section:
        raise Invalid(say("section-needed"))
    with transaction.atomic():
        _, created = Assignment.objects.get_or_create(policy=policy, section=section)
        if created:
            Event.objects.create(user=user, action=Event.ASSIGN, policy=policy, comment=section)


def register(user, fiscal_year: int, plan_start: int, plan_end: int, name: str, section: str) -> Policy:
    """The planning division lists a 施策 before anything is uploaded (so it shows 未提出)."""
    name, section = name.strip(), section.strip()
    if not name or not section:
        raise Invalid(say("name-and-section-needed"))
    year, key = policy_key(fiscal_year, name)
    with transaction.atomic():
        policy, created = Policy.objects.get_or_create(
            fiscal_year=year, key=key,
            defaults={"name": name, "section": section, "plan_start": plan_start, "plan_end": plan_end})
        if not created:
            raise Conflict(say("already-registered", policy=policy.name))
        Event.objects.create(user=user, action=Event.REGISTER, policy=policy,
                             comment=say("event.registered", section=section))
    return policy
