"""Mail: who is told what, and sending it without ever failing the action that caused it.

Every transition of a 施策 is an audit Event; an Event of 提出, 取り下げ, 差し戻し, 確定 or
確定解除 saved (by whichever service or workflow wrote it) writes the mail in the same
transaction (notify, a post_save receiver connected in apps.py): to the planning users
on 提出 and 取り下げ (a 施策 they may be reviewing left their list), to the users of the
施策's 課 otherwise. Mails are rows (models.Mail) sent after
the commit by a worker (tasks.send_mails) — the web never waits on a mail server — and
a mail that could not go stays and is tried again by the next send (the next mail, or
`chosho-xlsx remind`). Japanese, with a link from CHOSHO_BASE_URL; CHOSHO_EMAIL_URL
unset, they are written to the log (settings.py)."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.models import PLANNING, Event, Mail, Policy, Profile
from chosho_xlsx.portal.services.visibility import sections_of
from chosho_xlsx.portal.tasks import send_mails
from chosho_xlsx.portal.words import say

log = logging.getLogger("chosho_xlsx.mail")

# 確定解除's event is the workflow's (Event.UNLOCK is the login lockout's, another thing)
SUBMIT, WITHDRAW, RETURN, LOCK, RELEASE = Event.SUBMIT, Event.WITHDRAW, Event.RETURN, Event.LOCK, Event.UNLOCK_POLICY


def link(path: str) -> str:
    return settings.CHOSHO_BASE_URL.rstrip("/") + path


def addresses(*, sections: set[str] | None = None, planning: bool = False) -> list[str]:
    """The addresses of the active users of these 課 (or of the planning division)."""
    people = Profile.objects.filter(user__is_active=True).exclude(user__email="")
    people = people.filter(role=PLANNING) if planning else people.filter(role="department", section__in=sections)
    return sorted(set(people.values_list("user__email", flat=True)))


def queue(to: list[str], subject: str, body: str, key: str = "") -> Mail | None:
    """A mail written now and sent after the commit; none without an address."""
    if not to:
        return None
    mail = Mail.objects.create(to=to, subject=subject, body=body, key=key)
    transaction.on_commit(kick)
    return mail


def kick() -> None:
    """A worker sends what is waiting (a queue that cannot be reached: the next send will)."""
    try:
        send_mails.enqueue()
    except Exception:  # the action succeeded; its mail waits for the next send
        log.exception("メールの送信を頼めませんでした")


def send_pending() -> tuple[int, int]:
    """Every unsent mail tried once: (sent, still waiting). A server that is down is logged."""
    sent = failed = 0
    connection = get_connection(fail_silently=False)
    for mail in Mail.objects.filter(sent__isnull=True).order_by("id"):
        message = EmailMessage(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, mail.to, connection=connection)
        try:
            message.send()
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            Mail.objects.filter(pk=mail.pk).update(attempts=mail.attempts + 1, last_error=str(exc)[:500])
            log.warning("メールを送れませんでした（次の送信で再試行）: %s → %s: %s", mail.subject, ", ".join(mail.to), exc)
            continue
        sent += 1
        Mail.objects.filter(pk=mail.pk).update(sent=timezone.now(), attempts=mail.attempts + 1, last_error="")
    return sent, failed


def notify(sender, instance: Event, created: bool, **kwargs) -> None:
    """post_save of Event: the mail a transition calls for, if any."""
    if not created or instance.policy_id is None or instance.action not in (SUBMIT, WITHDRAW, RETURN, LOCK, RELEASE):
        return
    policy: Policy = instance.policy
    words = {"policy": policy.name, "year": fiscal.label(policy.fiscal_year), "section": policy.section,
             "link": link(f"/policies/{policy.pk}/"), "reason": instance.comment, "comment": instance.comment}
    if instance.action == SUBMIT:
        version = instance.upload.version if instance.upload_id else ""
        queue(addresses(planning=True), say("mail-submitted-subject", **words),
              say("mail-submitted", version=version, **words))
        return
    if instance.action == WITHDRAW:
        queue(addresses(planning=True), say("mail-withdrawn-subject", **words), say("mail-withdrawn", **words))
        return
    kind = {RETURN: "returned", LOCK: "locked", RELEASE: "unlocked"}[instance.action]
    queue(addresses(sections=sections_of(policy)), say(f"mail-{kind}-subject", **words), say(f"mail-{kind}", **words))


class LogBackend:
    """CHOSHO_EMAIL_URL unset: each mail written to the log (logger chosho_xlsx.mail) instead."""

    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages) -> int:
        for m in messages:
            log.info("メール（CHOSHO_EMAIL_URL 未設定のため送らず記録）: To: %s / 件名: %s\n%s",
                     ", ".join(m.to), m.subject, m.body)
        return len(messages)
