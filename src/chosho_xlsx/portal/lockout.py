"""Login lockout without denial of service (django-axes, configured in settings.py).

- The client's address is REMOTE_ADDR, or, only when CHOSHO_TRUSTED_PROXIES says how many
  reverse proxies stand in front, the address the outermost of them saw (the N-th entry
  of X-Forwarded-For from the right: what a client writes further left is ignored).
  Without it, behind a proxy every user would share the proxy's address.
- Failures lock the pair (user, address): someone else cannot lock a user out from
  another address, and the user can still sign in from their own.
- The wait grows: CHOSHO_LOCKOUT_MINUTES after the limit, doubled by each further
  failure of the same pair (at most a day), instead of an hour for anyone.
- Each lockout is an Event (the 操作記録 page); `chosho-xlsx users unlock NAME` ends one."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum

from chosho_xlsx.portal.models import Event

MAX_WAIT = timedelta(days=1)


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: see the module doc."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.CHOSHO_TRUSTED_PROXIES
    if not proxies:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


def _failures(request) -> int:
    username = get_client_username(request, getattr(request, "axes_credentials", None))
    address = getattr(request, "axes_ip_address", None)
    if username is None or address is None:
        return 0
    found = AccessAttempt.objects.filter(username=username, ip_address=address)
    return found.aggregate(n=Sum("failures_since_start"))["n"] or 0


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: CHOSHO_LOCKOUT_MINUTES, doubled by each failure of this
    (user, address) past the limit, at most MAX_WAIT."""
    base = timedelta(minutes=settings.CHOSHO_LOCKOUT_MINUTES)
    if request is None:
        return base
    extra = max(0, _failures(request) - settings.AXES_FAILURE_LIMIT)
    return min(base * 2 ** min(extra, 20), MAX_WAIT)


def minutes(wait: timedelta) -> int:
    return max(1, round(wait.total_seconds() / 60))


def record_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """The `user_locked_out` signal: an Event on the 操作記録 page, once per lockout (the
    failure that reached the limit), not for every attempt made while it lasts."""
    if request is None or getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    user = get_user_model().objects.filter(username=username).first()
    Event.objects.create(user=user, action=Event.LOCKOUT,
                         comment=f"{str(username)[:150]}（{ip_address}、{minutes(cool_off(request))}分）")


def unlock(username: str) -> int:
    """End every lockout of `username` (from any address); how many records were cleared."""
    return reset(username=username)
