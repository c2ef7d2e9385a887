"""/api/v1/builds: the planning division builds the year's 調書 as one ZIP (the same as
`chosho-xlsx build` on the submitted versions, with the 一覧), and gets past ones back."""

from __future__ import annotations

from ninja import Form, Router

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.errors import Conflict, NotFound
from chosho_xlsx.portal.models import Build
from chosho_xlsx.portal.services import review
from chosho_xlsx.portal.services.builds import build_path, build_zip
from chosho_xlsx.portal.words import say

from . import auth
from .common import ZIP, errors, file_answer, form_answer, send_file
from .policies import Year
from .schemas import BuildList, Id

router = Router(tags=["一括作成（企画課）"])

BUILD_ID = {"X-Build-Id": {"description": "この一括作成の ID", "schema": {"type": "integer"}}}


def build_out(b: Build) -> dict:
    return {"id": b.pk, "fiscal_year": fiscal.label(b.fiscal_year), "policies": b.policies, "sha256": b.sha256,
            "built_by": b.user.username, "built_at": b.created.isoformat(timespec="milliseconds")}


def send_build(made: Build):
    response = send_file(build_path(made), f"{fiscal.label(made.fiscal_year)}_調書_{made.pk}.zip", ZIP)
    response["X-Build-Id"] = str(made.pk)
    return response


@router.get("", response={200: BuildList, **errors(403)}, auth=auth.planning, operation_id="list_builds",
            summary="一括作成の履歴", description="これまでに作った ZIP の一覧（新しい順）。")
def list_builds(request):
    return {"builds": [build_out(b) for b in Build.objects.select_related("user").order_by("-id")]}


@router.post("", response={200: None, **errors(400, 403, 409, 415)}, auth=auth.planning, operation_id="create_build",
             summary="調書を一括作成する",
             description="実施年度（省略すると最新）の提出済・確定の施策すべての調書と一覧を ZIP で。"
                         "409: 提出済の施策がない。",
             openapi_extra={**file_answer("調書と一覧の ZIP", ZIP, headers=BUILD_ID), **form_answer(Year)})
def create_build(request, form: Form[Year]):
    year = review.year_asked(form.year)
    if year is None:
        raise Conflict(say("no-policies"))
    return send_build(build_zip(request.auth, year))


@router.get("/{id}", response={200: None, **errors(400, 403, 404)}, auth=auth.planning, operation_id="get_build",
            summary="作った ZIP", description="一括作成した ZIP（GET /api/v1/builds の id）。",
            openapi_extra=file_answer("調書と一覧の ZIP", ZIP, headers=BUILD_ID))
def get_build(request, id: Id):
    made = Build.objects.filter(pk=id).first()
    if made is None:
        raise NotFound(say("no-such-build"))
    return send_build(made)
