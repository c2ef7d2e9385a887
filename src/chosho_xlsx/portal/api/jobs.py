"""/api/v1/jobs: the planning division's long work on the queue — the year's book (PDF),
build all (ZIP), next year's workbooks (ZIP) — started (202), watched, downloaded,
cancelled. The same service (services/jobs) and rules as the 作業 pages."""

from __future__ import annotations

from typing import Literal

from django.urls import reverse
from ninja import Field, Router, Schema, Status

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.models import Job as JobRow
from chosho_xlsx.portal.services import jobs, review

from . import auth
from .common import PDF, ZIP, errors, file_answer, send_file
from .schemas import Id, YearText

router = Router(tags=["作業（企画課）"])


class JobIn(Schema):
    kind: Literal["book", "build", "rollover"] = Field(
        description="book: 冊子（PDF）、build: 調書と一覧の ZIP、rollover: 次年度の入力ブックの ZIP", examples=["book"])
    year: YearText = Field(None, description="実施年度（R6 など）。省略すると施策のある最新の年度。"
                                                             "rollover はこの年度の提出を次の年度へ", examples=["R6"])
    # strict: JSON's true/false only, as the schema says (not 0, 1 or "yes")
    pdfa: bool = Field(False, strict=True, description="book を PDF/A-2b で")


class Progress(Schema):
    done: int = Field(description="済んだ数（調書）", examples=[12])
    total: int = Field(description="全体の数（調書）", examples=[150])


class JobOut(Schema):
    """作業 1 件。"""

    id: int = Field(description="作業の ID", examples=[7])
    kind: Literal["book", "build", "rollover", "preview"] = Field(description="作業の種類")
    status: Literal["queued", "running", "done", "failed", "cancelled"] = Field(
        description="queued 待機中、running 実行中、done 完了、failed 失敗、cancelled 取り消し")
    progress: Progress
    stage: str = Field(description="いまの段階（調書の作成、印刷、製本 …）", examples=["印刷"])
    fiscal_year: str | None = Field(description="実施年度", examples=["R6"])
    created: str = Field(description="受け付けた日時（ISO 8601）")
    started: str | None = Field(description="始まった日時")
    finished: str | None = Field(description="終わった日時")
    cancel_requested: bool = Field(description="取り消しを受け付けたか")
    result: str | None = Field(None, description="done のとき: 結果をダウンロードする URL")
    error: str | None = Field(None, description="failed のとき: なぜかの一文")


def job_out(job: JobRow) -> dict:
    d = {
        "id": job.pk, "kind": job.kind, "status": job.status,
        "progress": {"done": job.done, "total": job.total}, "stage": jobs.stage_text(job),
        "fiscal_year": fiscal.label(job.fiscal_year) if job.fiscal_year else None,
        "created": job.created.isoformat(timespec="seconds"),
        "started": job.started.isoformat(timespec="seconds") if job.started else None,
        "finished": job.finished.isoformat(timespec="seconds") if job.finished else None,
        "cancel_requested": job.cancel_requested,
    }
    if job.status == JobRow.DONE:
        d["result"] = reverse("api-v1:download_job_result", kwargs={"id": job.pk})
    if job.status == JobRow.FAILED:
        d["error"] = job.error
    return d


@router.post("", response={202: JobOut, **errors(400, 403, 409)}, auth=auth.planning, operation_id="create_job",
             summary="作業を始める",
             description="冊子・一括作成・次年度の入力ブックをワーカーに頼みます（202、すぐに答えます）。"
                         "同じ作業がすでに待機中・実行中なら、その作業を答えます。409: 提出済の施策がない。")
def create_job(request, body: JobIn):
    year = review.year_asked(body.year)
    return Status(202, job_out(jobs.start(request.auth, body.kind, year, pdfa=body.pdfa)))


@router.get("/{id}", response={200: JobOut, **errors(403, 404)}, auth=auth.planning, operation_id="get_job",
            summary="作業の進み具合", description="done なら result に結果の URL、failed なら error に理由。")
def get_job(request, id: Id):
    return job_out(jobs.get(request.auth, id))


@router.get("/{id}/result", response={200: None, **errors(403, 404)}, auth=auth.planning,
            operation_id="download_job_result", summary="作業の結果",
            description="完了した作業のファイル（冊子は PDF、ほかは ZIP）。404: まだ完了していない。",
            openapi_extra=file_answer("冊子の PDF または ZIP", PDF, ZIP))
def download_job_result(request, id: Id):
    path, name = jobs.result_file(jobs.get(request.auth, id))
    return send_file(path, name, PDF if path.suffix == ".pdf" else ZIP)


@router.post("/{id}/cancel", response={200: JobOut, **errors(403, 404, 409)}, auth=auth.planning,
             operation_id="cancel_job", summary="作業を取り消す",
             description="待機中ならすぐに、実行中なら次の区切りで止めます。409: もう終わっている。")
def cancel_job(request, id: Id):
    return job_out(jobs.cancel(request.auth, jobs.get(request.auth, id)))
