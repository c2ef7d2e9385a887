"""Who may see what: the planning division sees every 施策; a department the 施策 of its
課 and those it was assigned. A department never learns whether another's exists."""

from __future__ import annotations

from django.db.models import Q

from chosho_xlsx.portal.models import Policy, Upload


def sections_of(policy: Policy) -> set[str]:
    """The 課 that may submit a 施策: its 主管課 and those assigned to it."""
    return {policy.section, *policy.assignments.values_list("section", flat=True)}


def may_submit(policy: Policy, section: str) -> bool:
    """sections_of(policy) holds `section`; its 主管課 without asking the database."""
    return section == policy.section or policy.assignments.filter(section=section).exists()


def visible_policies(user):
    """The 施策 a user may see: all for the planning division, else those of its 課."""
    qs = Policy.objects.all()
    if user.profile.planning:
        return qs
    section = user.profile.section
    return qs.filter(Q(section=section) | Q(assignments__section=section)).distinct()


def visible_uploads(user):
    return Upload.objects.filter(policy__in=visible_policies(user))
