"""Who reaches a view: the two roles of the web pages, and the Bearer token of the API.
A department never learns whether another department's upload exists: 404, as for
anything that is not there."""

from __future__ import annotations

import hashlib
import secrets
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
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


def api_error(status: int, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="chosho-xlsx"'
    return response


def token_required(planning: bool = False):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            profile = None
            if scheme.lower() == "bearer" and token.strip():
                profile = (Profile.objects.select_related("user")
                           .filter(token_hash=token_hash(token.strip()), user__is_active=True).first())
            if profile is None:
                return api_error(401, say("token-needed"))
            if planning and not profile.planning:
                return api_error(403, say("api-planning-only"))
            request.user = profile.user
            return view(request, *args, **kwargs)
        return wrapper
    return decorator
