"""Deadlines and addresses in the pages: the planning division sets a year's 提出期限
(the dashboard shows it and marks 期限超過); each user keeps the e-mail address notices
go to (アカウント)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.access import planning_only, signed_in
from chosho_xlsx.portal.errors import Invalid
from chosho_xlsx.portal.models import Event
from chosho_xlsx.portal.services import deadlines, review
from chosho_xlsx.portal.words import say


@require_POST
@planning_only
def deadline(request):
    year = review.year_asked(request.POST.get("year"))
    if year is None:
        raise Invalid(say("year-unreadable", text=""))
    date = deadlines.set_deadline(request.user, year, request.POST.get("date", ""))
    messages.success(request, say("deadline-set", year=fiscal.label(year), date=f"{date:%Y年%-m月%-d日}") if date
                     else say("deadline-removed", year=fiscal.label(year)))
    return redirect(f"{reverse('dashboard')}?year={year}")


@require_http_methods(["GET", "POST"])
@signed_in
def account(request):
    user = request.user
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        try:
            if email:
                validate_email(email)
        except ValidationError:
            raise Invalid(say("email-bad", text=email[:80])) from None
        user.email = email
        user.save(update_fields=["email"])
        Event.objects.create(user=user, action="連絡先", comment=email or "（なし）")
        messages.success(request, say("email-saved" if email else "email-removed"))
        return redirect("account")
    return render(request, "portal/account.html", {})
