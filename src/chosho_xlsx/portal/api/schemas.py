"""The shapes the API answers with (and the error shape), as pydantic models: the OpenAPI
schema is generated from them and every answer is validated against them, so the
schema cannot drift from what is sent. Field order is the order on the wire."""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, StringConstraints, WithJsonSchema

MAX_ID = 2**63 - 1

# A database id in a path or a field: bounded, so that no id reaches the database as a
# number it cannot hold (SQLite's and PostgreSQL's bigint).
Id = Annotated[int, Field(ge=1, le=MAX_ID, description="ID（1以上の整数）", examples=[1])]


def _blank_is_none(value):
    return None if value == "" else value


# An optional field of a form: left empty it is the same as not sent (browsers and
# PowerShell send empty fields). The schema says exactly that, without a null, which a
# form cannot send.
OptionalId = Annotated[Id | None, BeforeValidator(_blank_is_none), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"const": ""}]})]

# 実施年度 as the API takes it: R6, R6年度, 令和6年度, 令和元年度, 2024 (the pages also take
# full-width digits and H/S eras; the API's schema states exactly what it accepts, and
# every text it accepts is a year domain.fiscal reads). Empty: the newest year.
YEAR_PATTERN = r"^(?:(?:R|令和)(?:元|[1-9][0-9]?)(?:年度)?|(?:19[3-9][0-9]|20[0-9]{2}|21[0-9]{2})(?:年度)?)?$"
# (A str whose default is None: not sent is None, an explicit JSON null is refused, as
# the schema says.)
YearText = Annotated[str, StringConstraints(pattern=YEAR_PATTERN)]

# A reason people will read: at least one visible character. Spelt out rather than \S,
# which JSON Schema (ECMAScript), pydantic (Rust) and str.strip() each read a little
# differently (U+001C, U+FEFF …): a text is valid for all three or for none.
VISIBLE = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]"
ReasonText = Annotated[str, StringConstraints(pattern=VISIBLE, max_length=2000)]
NameText = Annotated[str, StringConstraints(pattern=VISIBLE, max_length=300)]


class Finding(Schema):
    """`validate --format json` の指摘 1 件（日本語）。"""

    code: str = Field(description="指摘コード（README「指摘コード」の一覧）", examples=["E-REF-GROUP"])
    severity: Literal["error", "warning"] = Field(description="error（エラー）か warning（警告）")
    place: str = Field(description="場所（シート!セル、シート!列名、シート、またはファイル名）",
                       examples=["事業!F5"])
    sheet: str = Field(description="シート名（ファイル全体の指摘は空）", examples=["事業"])
    cell: str = Field(description="セル番地（セルの指摘でなければ空）", examples=["F5"])
    column: str = Field(description="列名・調書の項目名（セルのない指摘のとき）", examples=[""])
    value: str = Field(description="セルの値（文字列にしたもの）", examples=["9"])
    message: str = Field(description="何が問題か", examples=["事業群番号 9 の事業群がありません"])
    hint: str = Field(description="どう直すか", examples=["事業群シートにある番号を入れてください"])


class ErrorBody(Schema):
    code: str = Field(description="機械が分岐に使う安定したコード（docs/api.md の一覧）",
                      examples=["conflict"])
    message: str = Field(description="人に向けた一文（日本語）",
                         examples=["提出できるのは最新の版（第2版）だけです。"])
    request_id: str = Field(description="この要求の番号。サーバーのログの同じ番号の行が詳細です",
                            examples=["3f2b9c0d6e1a4f57a2c8d9e0b1f2a3c4"])
    findings: list[Finding] | None = Field(None, description="ファイルを読んだときだけ: その指摘")


class Error(Schema):
    """すべてのエラーの形。"""

    error: ErrorBody


class UploadSummary(Schema):
    """施策の版 1 つ（アップロード 1 回）。指摘は含みません。"""

    id: int = Field(description="この版（アップロード）の ID", examples=[12])
    version: int = Field(description="施策・実施年度ごとの版番号（第n版）", examples=[3])
    sha256: str = Field(description="ファイルの SHA-256", examples=["9f2c" + "0" * 60])
    policy: str = Field(description="施策名", examples=["ICTを活用した地域活性化と行政運営の効率化"])
    policy_id: int = Field(description="施策の ID", examples=[1])
    fiscal_year: str = Field(description="実施年度（和暦）", examples=["R6"])
    filename: str = Field(description="送られたファイル名（表示用）", examples=["企画部.xlsx"])
    size: int = Field(description="バイト数", examples=[33658])
    uploaded_by: str = Field(description="アップロードした利用者", examples=["tanaka"])
    uploaded_at: str = Field(description="アップロードした日時（ISO 8601）",
                             examples=["2024-06-10T09:12:03.412+00:00"])
    readable: bool = Field(description="入力ブックとして読めたか")
    valid: bool = Field(description="エラーなし（提出できる）か")
    errors: int = Field(description="エラーの件数", examples=[0])
    warnings: int = Field(description="警告の件数", examples=[1])
    fixed_from: int | None = Field(None, description="ページ（または fixes）でセルを直して作った版なら、元の版の ID",
                                   examples=[None])


class Upload(UploadSummary):
    """施策の版 1 つと、その指摘（`validate --format json` と同じ）。"""

    findings: list[Finding] = Field(description="指摘（validate --format json と同じ並び）")


class UploadList(Schema):
    submissions: list[UploadSummary] = Field(description="見られる版すべて（ID順、指摘なし）")


class DashboardRow(Schema):
    id: int = Field(description="施策の ID", examples=[1])
    policy: str = Field(description="施策名", examples=["ICTを活用した地域活性化と行政運営の効率化"])
    section: str = Field(description="主管課", examples=["デジタル戦略課"])
    status: str = Field(description="状態（未提出・エラーあり・警告あり・提出済・確定 など）", examples=["警告あり"])
    latest_version: int | None = Field(description="最新の版番号（版がなければ null）", examples=[2])
    latest_id: int | None = Field(description="最新の版の ID", examples=[12])
    submitted_id: int | None = Field(description="提出された版の ID（未提出なら null）", examples=[None])


class Dashboard(Schema):
    fiscal_year: str | None = Field(description="実施年度（施策がひとつもなければ null）", examples=["R6"])
    counts: dict[str, int] = Field(description="状態ごとの施策の数",
                                   examples=[{"未提出": 0, "エラーあり": 0, "警告あり": 1, "差し戻し": 0, "提出済": 0, "確定": 0}])
    policies: list[DashboardRow]


class Policy(Schema):
    """施策 1 つ（ある実施年度の）と、その状態・版。"""

    id: int = Field(description="施策の ID", examples=[1])
    policy: str = Field(description="施策名", examples=["ICTを活用した地域活性化と行政運営の効率化"])
    fiscal_year: str = Field(description="実施年度（和暦）", examples=["R6"])
    section: str = Field(description="主管課", examples=["デジタル戦略課"])
    status: str = Field(description="状態（未提出・エラーあり・警告あり・提出済・差し戻し・確定 など）",
                        examples=["提出済"])
    reason: str | None = Field(description="差し戻し・確定解除の理由（あれば）", examples=[None])
    deadline: str | None = Field(description="提出期限（ISO 8601 の日付、決まっていなければ null）",
                                 examples=["2024-07-31"])
    current_id: int | None = Field(description="この施策を判定する版（部局が最後に選んだ版）の ID", examples=[12])
    submitted_id: int | None = Field(description="提出された版の ID（未提出なら null）", examples=[12])
    versions: list[UploadSummary] = Field(description="この施策の版すべて（新しい順）")


class Build(Schema):
    """一括作成した調書の ZIP 1 つ。"""

    id: int = Field(description="一括作成の ID（GET /api/v1/builds/{id} で ZIP）", examples=[3])
    fiscal_year: str = Field(description="実施年度（和暦）", examples=["R6"])
    policies: int = Field(description="ZIP に入れた調書の数", examples=[12])
    sha256: str = Field(description="ZIP の SHA-256", examples=["5b1e" + "0" * 60])
    built_by: str = Field(description="作成した利用者", examples=["kikaku"])
    built_at: str = Field(description="作成した日時（ISO 8601）", examples=["2024-08-01T10:00:00.000+00:00"])


class BuildList(Schema):
    builds: list[Build] = Field(description="一括作成の履歴（新しい順）")


class Change(Schema):
    """2 つの版の違い 1 件（chosho-xlsx diff --format json の changes と同じ）。"""

    kind: str = Field(description="違いの種類", examples=["target-changed"])
    subject: str = Field(description="どこの違いか", examples=["指標 1 ながさきSociety5.0…"])
    field: str = Field(description="項目（列名）", examples=["R7目標"])
    old: str = Field(description="古い版の値（表示どおり、なければ空）", examples=["40件"])
    new: str = Field(description="新しい版の値", examples=["45件"])
    detail: str = Field(description="補足（増減の割合、文章の変わった行）", examples=["+12.5%"])
    old_cell: str = Field(description="古い版のセル", examples=["指標!L2"])
    new_cell: str = Field(description="新しい版のセル", examples=["指標!L2"])
    lines: list[str] = Field(description="文章の違い（「- 古い行」「+ 新しい行」）")
    old_readable: bool = Field(description="false: 古い版のセルが規則に合わず、old は入力されたとおりの値（読めない値）")
    new_readable: bool = Field(description="false: 新しい版のセルが規則に合わず、new は入力されたとおりの値（読めない値）")
    old_code: str = Field(description="古い版のセルの指摘コード（読めない値のとき）", examples=["E-MONEY"])
    new_code: str = Field(description="新しい版のセルの指摘コード（読めない値のとき）", examples=[""])
    severity: str = Field(description="warning（確かめたほうがよい）か info", examples=["warning"])


class Diff(Schema):
    """施策の 2 つの版の比較（chosho-xlsx diff --format json と同じ中身、比べた版の ID つき）。"""

    version: int = Field(description="この形の版（1）", examples=[1])
    old: str = Field(description="古い版の名前", examples=["R6 第1版"])
    new: str = Field(description="新しい版の名前", examples=["R6 第2版"])
    old_year: str = Field(description="古い版の実施年度", examples=["R6"])
    new_year: str = Field(description="新しい版の実施年度", examples=["R6"])
    relation: Literal["same-year", "rollover", "other"] = Field(
        description="same-year（同じ年度）、rollover（翌年度）、other")
    old_from_chosho: bool = Field(description="古い版を調書に保存された入力から読んだか（ポータルでは常に false）")
    new_from_chosho: bool = Field(description="新しい版を調書に保存された入力から読んだか（ポータルでは常に false）")
    old_errors: int = Field(description="古い版のエラーの件数（読み取れた内容で比べた）", examples=[0])
    new_errors: int = Field(description="新しい版のエラーの件数", examples=[0])
    warnings: int = Field(description="warning の違いの数", examples=[1])
    changes: list[Change] = Field(description="違いの一覧")
    old_id: int = Field(description="古い版の ID", examples=[11])
    new_id: int = Field(description="新しい版の ID", examples=[12])
