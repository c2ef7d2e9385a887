"""/api/v1/policies: the 施策 a user may see, one 施策 with its status and versions, its
transitions (差し戻し, 確定 … through the same services as the pages), two versions
compared, and next year's workbook rolled over from last year's submission."""

from __future__ import annotations

from typing import Literal

from django.http import Http404
from ninja import Form, Query, Router, Schema
from pydantic import Field

from chosho_xlsx.cycle.diff import changes_xlsx_bytes
from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.errors import NotFound
from chosho_xlsx.portal.services import cycle, deadlines, review, visibility
from chosho_xlsx.portal.words import say

from . import auth
from .common import XLSX, errors, file_answer, form_answer, send_bytes
from .schemas import Diff, Id, Policy, ReasonText, YearText

router = Router(tags=["施策"])


def policy_out(user, pk: int) -> dict:
    """A 施策 as the API shows it (issue 19's table): status, the reason it was sent
    back, the version it is judged by, and every version, newest first."""
    # lazy: a cycle: submissions imports policy_out from here
    from .submissions import upload_out

    policy = visible_policy(user, pk)
    row = review.rows([policy])[0]
    versions = list(policy.uploads.select_related("policy", "user").defer("findings").order_by("-version"))
    return {
        "id": policy.pk,
        "policy": policy.name,
        "fiscal_year": fiscal.label(policy.fiscal_year),
        "section": policy.section,
        "status": row.status,
        "reason": row.reason or None,
        "deadline": _iso(deadlines.deadline_of(policy.fiscal_year)),
        "current_id": row.current.pk if row.current else None,
        "submitted_id": policy.submitted_id,
        "versions": [upload_out(u, findings=False) for u in versions],
    }


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def visible_policy(user, pk: int):
    policy = visibility.visible_policies(user).filter(pk=pk).first()
    if policy is None:
        raise NotFound(say("no-such-policy"))
    return policy


class Year(Schema):
    year: YearText = Field(None, description="実施年度（R6、R6年度、令和6年度、2024）。省略か空なら施策のある最新の年度",
                           examples=["R6"])


@router.get("", response={200: list[Policy], **errors(400)}, auth=auth.anyone, operation_id="list_policies",
            summary="見られる施策の一覧",
            description="この利用者が見られる施策（部局は自課の、企画課はすべて）の、ある実施年度のもの。")
def list_policies(request, q: Query[Year]):
    year = review.year_asked(q.year)
    pks = visibility.visible_policies(request.auth).filter(fiscal_year=year).order_by("section", "name")
    return [policy_out(request.auth, pk) for pk in pks.values_list("pk", flat=True)]


@router.get("/{id}", response={200: Policy, **errors(400, 404)}, auth=auth.anyone, operation_id="get_policy",
            summary="施策ひとつ", description="施策の状態、差し戻しの理由、判定に使う版、提出された版、版の一覧。"
                                          "他の課の施策は 404。")
def get_policy(request, id: Id):
    return policy_out(request.auth, id)


class Reason(Schema):
    reason: ReasonText = Field(description="理由（必須。部局に表示されます）",
                               examples=["R7目標の根拠を事業内容に書いてください"])


@router.post("/{id}/return", response={200: Policy, **errors(400, 403, 404, 409, 415)}, auth=auth.planning,
             operation_id="return_policy", summary="差し戻す（企画課）",
             description="提出済の施策を部局に差し戻します。reason は必須。409: 提出済でない。",
             openapi_extra=form_answer(Reason))
def return_policy(request, id: Id, form: Form[Reason]):
    review.send_back(request.auth, visible_policy(request.auth, id), form.reason)
    return policy_out(request.auth, id)


@router.post("/{id}/lock", response={200: Policy, **errors(403, 404, 409)}, auth=auth.planning,
             operation_id="lock_policy", summary="確定する（企画課）",
             description="提出済の施策の提出された版を確定します。409: 提出済でない。")
def lock_policy(request, id: Id):
    review.lock(request.auth, visible_policy(request.auth, id))
    return policy_out(request.auth, id)


class Comment(Schema):
    comment: str = Field("", max_length=2000, description="コメント（省略可）", examples=["版を差し替えます"])


@router.post("/{id}/withdraw", response={200: Policy, **errors(400, 403, 404, 409, 415)}, auth=auth.department,
             operation_id="withdraw_policy", summary="提出を取り下げる（部局）",
             description="提出済の施策を取り下げ、アップロードし直して提出できる状態に戻します。409: 提出済でない。",
             openapi_extra=form_answer(Comment))
def withdraw_policy(request, id: Id, form: Form[Comment]):
    review.withdraw(request.auth, visible_policy(request.auth, id), form.comment)
    return policy_out(request.auth, id)


@router.post("/{id}/unlock", response={200: Policy, **errors(400, 403, 404, 409, 415)}, auth=auth.planning,
             operation_id="unlock_policy", summary="確定を解除する（企画課）",
             description="確定した施策を提出済に戻します。reason は必須（部局に表示されます）。409: 確定でない。",
             openapi_extra=form_answer(Reason))
def unlock_policy(request, id: Id, form: Form[Reason]):
    review.unlock(request.auth, visible_policy(request.auth, id), form.reason)
    return policy_out(request.auth, id)


class Compare(Schema):
    old: Id | None = Field(None, description="古い版の ID（old と new を省略すると最新の 2 つ）")
    new: Id | None = Field(None, description="新しい版の ID")
    format: Literal["json", "xlsx"] = Field("json", description="json（違いの一覧）か xlsx（変更一覧のブック）")


@router.get("/{id}/diff", response={200: Diff, **errors(400, 404, 409, 422)}, auth=auth.anyone,
            operation_id="diff_policy", summary="2 つの版を比べる",
            description="施策の 2 つの版の違い（chosho-xlsx diff と同じ）。format=xlsx なら変更一覧のブック。"
                        "404: その施策の版でない ID。409: 版が 2 つない。422: 読めない版。",
            openapi_extra={"responses": {200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}})
def diff_policy(request, id: Id, q: Query[Compare]):
    policy = visible_policy(request.auth, id)
    old, new = cycle.versions_to_compare(policy, q.old and str(q.old), q.new and str(q.new))
    diff = cycle.diff_versions(old, new)
    if q.format == "xlsx":
        return send_bytes(changes_xlsx_bytes(diff), f"{policy.name}_変更一覧_第{old.version}版-第{new.version}版.xlsx")
    return {**diff.as_dict(), "old_id": old.pk, "new_id": new.pk}


@router.get("/{id}/rollover", response={200: None, **errors(400, 404, 409, 422)}, auth=auth.anyone,
            operation_id="rollover_policy", summary="前年度の提出から今年度の入力ブックを作る",
            description="同じ施策の前年度の提出された版（なければエラーのない最新の版）を、この施策の実施年度へ"
                        "繰り越したブック（chosho-xlsx rollover と同じ）。404: 前年度の版がない。",
            openapi_extra=file_answer("繰り越した入力ブック", XLSX))
def rollover_policy(request, id: Id):
    policy = visible_policy(request.auth, id)
    source = cycle.rollover_source(request.auth, policy)
    if source is None:
        raise Http404
    content = cycle.rolled_over(source, policy)
    return send_bytes(content, f"{fiscal.label(policy.fiscal_year)}_入力ブック_繰越_{policy.name}.xlsx")
