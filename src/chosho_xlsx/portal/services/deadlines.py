"""提出期限: one per 実施年度, set by the planning division; which 施策 are past it
(期限超過: not submitted or 確定 after the day), and the reminders `chosho-xlsx remind`
sends N days before it to the 課 that have not submitted (once per 課 and deadline)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.errors import Forbidden, Invalid
from chosho_xlsx.portal.models import Deadline, Event, Mail, Policy
from chosho_xlsx.portal.services import mail
from chosho_xlsx.portal.services.visibility import sections_of
from chosho_xlsx.portal.words import say

DONE = (Policy.SUBMITTED, Policy.LOCKED)


def today() -> dt.date:
    return timezone.localdate()


def deadline_of(year: int | None) -> dt.date | None:
    found = Deadline.objects.filter(fiscal_year=year).first() if year else None
    return found.date if found else None


def deadlines(years) -> dict[int, dt.date]:
    return dict(Deadline.objects.filter(fiscal_year__in=list(years)).values_list("fiscal_year", "date"))


def set_deadline(user, year: int, text: str) -> dt.date | None:
    """The planning division sets (or, with an empty text, removes) a year's 提出期限."""
    if not user.profile.planning:
        raise Forbidden(say("api-planning-only"))
    text = (text or "").strip()
    with transaction.atomic():
        if not text:
            Deadline.objects.filter(fiscal_year=year).delete()
            Event.objects.create(user=user, action="提出期限", comment=f"{fiscal.label(year)} 期限なし")
            return None
        try:
            date = dt.date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise Invalid(say("deadline-bad", text=text[:40])) from None
        Deadline.objects.update_or_create(fiscal_year=year, defaults={"date": date})
        Event.objects.create(user=user, action="提出期限", comment=f"{fiscal.label(year)} {date.isoformat()}")
    return date


def overdue(policy: Policy, deadline: dt.date | None, on: dt.date | None = None) -> bool:
    """Past the deadline and neither submitted nor 確定."""
    return deadline is not None and (on or today()) > deadline and policy.state not in DONE


def remind(days: int, on: dt.date | None = None) -> int:
    """Reminder mails for every year whose deadline is within `days` days (and not past):
    to each 課 with a 施策 not yet submitted, the list of them. Sent once per 課 and
    deadline (a changed deadline reminds again). Returns how many were written."""
    on = on or today()
    written = 0
    for d in Deadline.objects.filter(date__gte=on, date__lte=on + dt.timedelta(days=days)):
        late: dict[str, list[str]] = {}
        for p in Policy.objects.filter(fiscal_year=d.fiscal_year).exclude(state__in=DONE).order_by("name"):
            for section in sections_of(p):
                late.setdefault(section, []).append(p.name)
        for section, names in sorted(late.items()):
            key = f"remind:{d.fiscal_year}:{d.date.isoformat()}:{section}"
            if Mail.objects.filter(key=key).exists():
                continue
            words = {"year": fiscal.label(d.fiscal_year), "full": fiscal.full_label(d.fiscal_year), "deadline": f"{d.date:%Y年%-m月%-d日}",
                     "section": section, "link": mail.link("/mine/")}
            if mail.queue(mail.addresses(sections={section}), say("mail-remind-subject", **words),
                          say("mail-remind", policies="\n".join(f"・{n}" for n in names), **words), key=key):
                written += 1
    return written
