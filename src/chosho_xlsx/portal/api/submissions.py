"""/api/v1/submissions: a department's workbooks (upload, list, one with its findings),
the files made from one (the stored workbook, the annotated copy, the PDF preview) and
提出. The same services and the same access rules as the pages."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.downloads import BINARY, ODS, stem_of, stored_upload
from chosho_xlsx.portal.errors import Conflict, NotFound, Unavailable
from chosho_xlsx.portal.services import files, fixes, jobs, review, visibility
from chosho_xlsx.portal.words import say

from . import auth
from .common import PDF, XLSM, XLSX, errors, file_answer, form_answer, send_file
from .jobs import JobOut, job_out
from .policies import policy_out
from .schemas import Id, OptionalId, Policy, Upload, UploadList

router = Router(tags=["提出（版）"])

# a preview is one LibreOffice run of a few seconds (jobs.preview): sooner is a wasted poll
PREVIEW_RETRY_SECONDS = 3
FINDING_KEYS = ("code", "severity", "place", "sheet", "cell", "column", "value", "message", "hint")


def upload_out(u, findings: bool = True) -> dict:
    d = {
        "id": u.pk,
        "version": u.version,
        "sha256": u.sha256,
        "policy": u.policy.name,
        "policy_id": u.policy_id,
        "fiscal_year": fiscal.label(u.policy.fiscal_year),
        "filename": u.filename,
        "size": u.size,
        "uploaded_by": u.user.username,
        "uploaded_at": u.created.isoformat(timespec="milliseconds"),
        "readable": u.readable,
        "valid": u.valid,
        "errors": u.errors,
        "warnings": u.warnings,
        "fixed_from": u.fixed_from_id,
    }
    if findings:
        # in the order of `validate --format json` (PostgreSQL's jsonb keeps its own order)
        d["findings"] = [{k: f[k] for k in FINDING_KEYS} for f in u.findings]
    return d


def visible_upload(request, pk: int):
    up = visibility.visible_uploads(request.auth).select_related("policy", "user").filter(pk=pk).first()
    if up is None:
        raise NotFound(say("no-such-submission"))
    return up


@router.get("", response={200: UploadList, **errors()}, auth=auth.anyone, operation_id="list_submissions",
            summary="見られる版の一覧",
            description="この利用者が見られる版（部局は自課の施策の版、企画課はすべて）を ID 順に。指摘は含みません。")
def list_submissions(request):
    uploads = visibility.visible_uploads(request.auth).select_related("policy", "user").defer("findings")
    return {"submissions": [upload_out(u, findings=False) for u in uploads.order_by("id")]}


POLICY_ID = Form(None, description="ブックから施策を読み取れないときの施策の ID（省略可。空は省略と同じ）",
                 examples=[1])


@router.post("", response={200: Upload, 201: Upload, **errors(400, 403, 404, 409, 413, 415, 422)},
             auth=auth.anyone, operation_id="upload_workbook", summary="ブックをアップロードして確認する",
             description="入力ブック（.xlsx/.xlsm/.ods）を施策の新しい版として保存し、確認結果（指摘）を返します。"
                         "新しい版なら 201、同じ内容のファイルが登録済みならその版を 200 で返します。"
                         "施策はブックの施策名・実施年度から決まります（読めないときは policy_id）。"
                         "403: 自課の施策でない、または企画課の利用者。409: 提出済・確定の施策。"
                         "422: 施策を決められない（findings に理由）。")
def upload_workbook(request, file: File[UploadedFile], policy_id: OptionalId = POLICY_ID):
    hint = None
    if policy_id is not None:
        hint = visibility.visible_policies(request.auth).filter(pk=policy_id).first()
        if hint is None:
            raise NotFound(say("no-such-policy"))
    up, created = files.receive(request.auth, file.read(), file.name or "", hint)
    return Status(201 if created else 200, upload_out(up))


@router.get("/{id}", response={200: Upload, **errors(400, 404)}, auth=auth.anyone, operation_id="get_submission",
            summary="版ひとつと指摘", description="版と、その指摘（validate --format json と同じ）。"
                                             "他の課の版は 404（あるかどうかも答えません）。")
def get_submission(request, id: Id):
    return upload_out(visible_upload(request, id))


@router.get("/{id}/file", response={200: None, **errors(400, 404)}, auth=auth.anyone,
            operation_id="download_submission", summary="保存されたブック",
            description="アップロードされたとおりのブック。ブックとして読めなかったファイルは"
                        "証拠として「…_refused.bin」（application/octet-stream）でだけ返します。",
            openapi_extra=file_answer("保存されたブック", XLSX, XLSM, ODS, BINARY))
def download_submission(request, id: Id):
    return stored_upload(visible_upload(request, id))  # the pages' rules (downloads.py)


@router.get("/{id}/annotated", response={200: None, **errors(400, 404)}, auth=auth.anyone,
            operation_id="download_annotated", summary="指摘を書き込んだブック",
            description="指摘のあるセルに色とコメントを付けたコピー（validate --annotate と同じ）。"
                        "読めなかったファイルには作れないため 404。",
            openapi_extra=file_answer("指摘を書き込んだブック（マクロは含めません）", XLSX))
def download_annotated(request, id: Id):
    up = visible_upload(request, id)
    if not up.readable or up.suffix not in files.ANNOTATABLE:
        raise Http404
    return send_file(files.annotated(up), f"{stem_of(up)}_確認.xlsx", XLSX)  # never with macros (W-MACROS)


@router.get("/{id}/preview", response={200: None, 202: JobOut, **errors(400, 404, 409, 503)}, auth=auth.anyone,
            operation_id="download_preview", summary="調書の印刷イメージ（PDF）",
            description="この版から作る調書を LibreOffice で PDF にしたもの。ワーカーが作るので、"
                        "まだのときは 202 と作業の状態（Retry-After の秒数の後に同じ URL をもう一度）。"
                        "409: エラーがあり調書を作れない。503: LibreOffice が使えない。again=true で失敗した作成をやり直す。",
            openapi_extra=file_answer("調書の PDF", PDF))
def download_preview(request, response: HttpResponse, id: Id, again: bool = False):
    up = visible_upload(request, id)
    job = jobs.preview(request.auth, up, again=again)
    if job is None:
        return send_file(jobs.preview_path(up), f"{up.policy.name}_第{up.version}版.pdf", PDF)
    if job.status == job.FAILED:
        raise (Unavailable if "LibreOffice" in job.error else Conflict)(job.error)
    response["Retry-After"] = str(PREVIEW_RETRY_SECONDS)  # what a script's loop should wait
    return Status(202, job_out(job))


class SubmitForm(Schema):
    comment: str = Field("", max_length=2000, description="コメント（警告があるときは必須: 確認したこと）",
                         examples=["見直し区分は確認済み"])


@router.post("/{id}/submit", response={200: Policy, **errors(400, 403, 404, 409, 415)}, auth=auth.department,
             operation_id="submit_submission", summary="この版を提出する",
             description="部局がこの版を企画課に提出します（最新の版で、エラーがないこと。"
                         "警告があれば comment が必要）。答えは施策。",
             openapi_extra=form_answer(SubmitForm))
def submit_submission(request, id: Id, form: Form[SubmitForm]):
    up = visible_upload(request, id)
    review.submit(request.auth, up, form.comment)
    return policy_out(request.auth, up.policy_id)


class Fix(Schema):
    cell: str = Field(max_length=100, description="直すセル（シート!セル）。この版の指摘のあるセル", examples=["事業!O2"])
    value: str = Field(max_length=1000, description="正しい値（セルに入力するとおりに。空ならセルを空に）",
                       examples=["43948"])


class FixesIn(Schema):
    fixes: list[Fix] = Field(min_length=1, max_length=1000, description="直すセルと値")


@router.post("/{id}/fixes", response={200: Upload, 201: Upload, **errors(400, 403, 404, 409, 415, 422)},
             auth=auth.department, operation_id="fix_submission", summary="指摘のあるセルを直して再確認する",
             description="この版のブックの指摘のあるセル（数値・年度・選択肢・短い文章）だけを直した新しい版を作り、"
                         "確認結果を返します（201。同じ内容の版があればその版を 200）。ほかのセル・書式・入力規則・"
                         "コメント・シートはそのまま。422: 指摘のないセル、数式のセル、計算で求める列・複数行の文章、"
                         "または入れた値でもまだ誤りがある（findings にその指摘）。")
def fix_submission(request, id: Id, body: FixesIn):
    up = visible_upload(request, id)
    new, created = fixes.apply_fixes(request.auth, up, [(f.cell, f.value) for f in body.fixes])
    return Status(201 if created else 200, upload_out(new))
