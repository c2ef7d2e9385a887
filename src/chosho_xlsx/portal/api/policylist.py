"""/api/v1/policy-list: the year's list of 施策 for scripts (services/policylist, the same
rules as the page 「施策一覧」): import the 総合計画's list, rename a 施策, merge one into
another. Planning only."""

from __future__ import annotations

from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.errors import Invalid, NotFound
from chosho_xlsx.portal.models import Policy as PolicyRow
from chosho_xlsx.portal.services import policylist
from chosho_xlsx.portal.words import say

from . import auth
from .common import errors, form_answer
from .policies import policy_out
from .schemas import Id, NameText, Policy

router = Router(tags=["施策一覧"])


class ListImport(Schema):
    year: str = Field(..., max_length=20, description="実施年度（R6、令和6年度、2024）", examples=["R6"])
    plan: str = Field(..., max_length=20, description="計画期間（R3-R7）", examples=["R3-R7"])


class Imported(Schema):
    fiscal_year: str = Field(..., description="実施年度", examples=["R6"])
    created: int = Field(..., description="新しく登録した施策の数")
    updated: int = Field(..., description="基本戦略・主管課を一覧に合わせた施策の数")


@router.post("/import", response={200: Imported, **errors(400, 403, 413, 415)}, auth=auth.planning,
             operation_id="import_policy_list", summary="施策一覧を取り込む（企画課）",
             description="総合計画の施策一覧（1行目に「基本戦略」「施策名」「主管課」）を .xlsx か .csv "
                         "（UTF-8 または Shift_JIS）で取り込みます。一覧のある実施年度では、一覧にない施策名の"
                         "ブックのアップロードは 422（policy-not-listed、近い施策名つき）になります。")
def import_policy_list(request, file: File[UploadedFile], form: Form[ListImport]):
    try:
        year = fiscal.parse_year(form.year)
        period = fiscal.parse_period(form.plan)
    except fiscal.YearError:
        year = period = None
    if year is None or period is None or period.end is None:
        raise Invalid(say("year-and-plan-needed"))
    listed = policylist.parse_list(file.read(), file.name or "")
    created, updated = policylist.import_list(request.auth, year, period.start, period.end, listed)
    return {"fiscal_year": fiscal.label(year), "created": created, "updated": updated}


def _policy(pk: int) -> PolicyRow:
    policy = PolicyRow.objects.filter(pk=pk).first()
    if policy is None:
        raise NotFound(say("no-such-policy"))
    return policy


class Rename(Schema):
    name: NameText = Field(..., description="新しい施策名（空白だけは不可）", examples=["ICTを活用した地域活性化と行政運営の効率化"])


@router.post("/{id}/rename", response={200: Policy, **errors(400, 403, 404, 409, 415)}, auth=auth.planning,
             operation_id="rename_policy", summary="施策名を変える（企画課）",
             description="誤った名前で登録された施策の名前を変えます（操作記録に両方の名前が残ります）。"
                         "409（policy-exists）: その名前の施策がすでにある（統合を使ってください）。",
             openapi_extra=form_answer(Rename))
def rename_policy(request, id: Id, form: Form[Rename]):
    policylist.rename(request.auth, _policy(id), form.name)
    return policy_out(request.auth, id)


class Merge(Schema):
    target: Id = Field(..., description="統合先の施策の ID（同じ実施年度）")


@router.post("/{id}/merge", response={200: Policy, **errors(400, 403, 404, 409, 415)}, auth=auth.planning,
             operation_id="merge_policy", summary="施策をほかの施策に統合する（企画課）",
             description="誤って登録された施策の版・操作記録を統合先に移し、その施策を消します（元に戻せません）。"
                         "答えは統合先の施策。409（merge-submitted）: 提出済・確定の施策。",
             openapi_extra=form_answer(Merge))
def merge_policy(request, id: Id, form: Form[Merge]):
    target = policylist.merge(request.auth, _policy(id), _policy(form.target))
    return policy_out(request.auth, target.pk)
