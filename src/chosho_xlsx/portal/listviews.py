"""The planning division's page of the year's 施策 list (services/policylist): import the
総合計画's list (.xlsx or .csv), see every 施策 with its 基本戦略 and 主管課, rename one
registered under a wrong name, merge it into the right one (asked first: a merge cannot be
undone). A refusal is shown on the same page, beside the form it came from."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal import forms
from chosho_xlsx.portal.access import planning_only, visible_or_404
from chosho_xlsx.portal.errors import Invalid, PortalError, status_of
from chosho_xlsx.portal.models import Policy
from chosho_xlsx.portal.services import files, policylist, review
from chosho_xlsx.portal.words import say


def _page(request, year: int | None, status: int = 200, **errors):
    policies = Policy.objects.filter(fiscal_year=year).order_by("strategy", "section", "name") if year else []
    _, start, end = files.default_period()
    return render(request, "portal/policylist.html", {
        "year": year, "years": review.fiscal_years(), "policies": policies,
        "listed": any(p.listed for p in policies), "default_plan": f"{fiscal.label(start)}-{fiscal.label(end)}",
        **errors,
    }, status=status)


@require_GET
@planning_only
def policy_list(request):
    return _page(request, review.year_asked(request.GET.get("year")))


@require_POST
@planning_only
def policy_list_import(request):
    form = forms.PolicyListForm(request.POST, request.FILES)
    year = None
    try:
        if not form.is_valid():
            raise Invalid(forms.first_error(form))
        year, period = form.cleaned_data["year"], form.cleaned_data["plan"]
        upload = form.cleaned_data["file"]
        listed = policylist.parse_list(upload.read(), upload.name or "")
        created, updated = policylist.import_list(request.user, year, period.start, period.end, listed)
    except PortalError as exc:
        return _page(request, year or review.year_asked(None), status_of(exc), import_error=exc.message)
    messages.success(request, say("list.imported", created=created, updated=updated))
    return redirect(f"{reverse('policy_list')}?year={fiscal.label(year)}")


@require_POST
@planning_only
def policy_rename(request, pk: int):
    policy = visible_or_404(Policy.objects.all(), pk)
    try:
        policylist.rename(request.user, policy, request.POST.get("name", ""))
    except PortalError as exc:
        return _page(request, policy.fiscal_year, status_of(exc), row_error=(policy.pk, exc.message))
    return redirect(f"{reverse('policy_list')}?year={fiscal.label(policy.fiscal_year)}")


@require_http_methods(["GET", "POST"])
@planning_only
def policy_merge(request, pk: int):
    """GET: what the merge will do and the button that does it; POST with confirm=1 merges."""
    source = visible_or_404(Policy.objects.all(), pk)
    target_id = request.POST.get("target") or request.GET.get("target") or ""
    target = Policy.objects.filter(pk=int(target_id), fiscal_year=source.fiscal_year).exclude(
        pk=source.pk).first() if target_id.isdigit() else None
    if target is None:
        return _page(request, source.fiscal_year, 400, row_error=(source.pk, say("list.merge-same-year")))
    if request.method == "GET" or request.POST.get("confirm") != "1":
        return render(request, "portal/policymerge.html", {
            "source": source, "target": target, "versions": source.uploads.count()})
    try:
        policylist.merge(request.user, source, target)
    except PortalError as exc:
        return _page(request, source.fiscal_year, status_of(exc), row_error=(source.pk, exc.message))
    return redirect("policy", target.pk)
