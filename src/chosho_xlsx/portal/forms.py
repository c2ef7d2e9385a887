"""What the pages accept, parsed and checked by Django forms: the services get clean
values (an int, a year, stripped text) and the form's errors say which field is wrong.
The rules of the workflow (a comment for warnings, a reason for a return) stay in the
services, which the API calls too."""

from __future__ import annotations

from django import forms

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.words import say


class UploadForm(forms.Form):
    file = forms.FileField(allow_empty_file=True, error_messages={"required": say("choose-file")})
    policy = forms.IntegerField(required=False)  # the 施策 page the upload was made from


class CommentForm(forms.Form):
    """提出 and 確定: an optional comment (the service says when one is required)."""

    comment = forms.CharField(required=False, strip=True)


class ReasonForm(forms.Form):
    """差し戻し: the reason the department will read."""

    comment = forms.CharField(required=False, strip=True)


class AssignForm(forms.Form):
    section = forms.CharField(required=False, strip=True)


class YearForm(forms.Form):
    """A 実施年度 as people write it (R6, 令和6年度, 2024); empty: the newest."""

    year = forms.CharField(required=False, strip=True)


class RegisterForm(forms.Form):
    year = forms.CharField(required=False, strip=True)
    plan = forms.CharField(required=False, strip=True)
    name = forms.CharField(strip=True, error_messages={"required": say("name-needed")})
    section = forms.CharField(strip=True, error_messages={"required": say("section-needed")})

    def clean_year(self) -> int:
        try:
            year = fiscal.parse_year(self.cleaned_data["year"])
        except fiscal.YearError:
            year = None
        if year is None:
            raise forms.ValidationError(say("year-and-plan-needed"))
        return year

    def clean_plan(self) -> fiscal.Period:
        try:
            period = fiscal.parse_period(self.cleaned_data["plan"])
        except fiscal.YearError:
            period = None
        if period is None or period.end is None:
            raise forms.ValidationError(say("year-and-plan-needed"))
        return period


def first_error(form: forms.Form) -> str:
    """The first error of an invalid form, as one sentence."""
    for errors in form.errors.values():
        return errors[0]
    return ""


class PolicyListForm(RegisterForm):
    """The year's list of 施策: a file (.xlsx or .csv) for a 実施年度 and 計画期間."""

    file = forms.FileField(allow_empty_file=True, error_messages={"required": say("choose-file")})
    name = None
    section = None
