"""Who reaches a view: the two roles of the web pages, and the API's tokens (kept as a
hash; the API checks them in api/auth.py).
A department never learns whether another department's upload exists: 404, as for
anything that is not there."""

from __future__ import annotations

import hashlib
import secrets
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from chosho_xlsx.portal.models import Profile
from chosho_xlsx.portal.words import say


def _role_required(planning: bool):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            profile = getattr(request.user, "profile", None)
            if profile is None or (planning and not profile.planning):
                return render(request, "portal/message.html",
                              {"title": say("planning-only-title"), "message": say("planning-only")}, status=403)
            return view(request, *args, **kwargs)
        return wrapper
    return decorator


signed_in = _role_required(planning=False)
planning_only = _role_required(planning=True)


def visible_or_404(queryset, pk: int):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# ---- API tokens -------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(profile: Profile) -> str:
    """A fresh token for a user (the old one stops working); only its hash is kept."""
    token = secrets.token_urlsafe(32)
    profile.token_hash = token_hash(token)
    profile.save(update_fields=["token_hash"])
    return token
