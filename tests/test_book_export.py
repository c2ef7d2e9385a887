"""`chosho-xlsx export`: the year's figures as open data. The example's real values at
their rows (指標 1 in R3: target 5, actual 6, 達成率 120 %, 順調; project 1 in R4: 43,948
千円), the CSV as the open-data guidance asks (UTF-8 with BOM, one header row, CRLF), the
JSON valid against the schema written beside it and equal to the CSV, the same figures
from a built 調書 as from its input, nothing written when an input has an error, and
docs/opendata.md listing every column."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from chosho_xlsx.writers.opendata import (
    COLUMNS,
    FILES,
    INDICATORS,
    JSON_FILE,
    PROJECTS,
    SCHEMA_FILE,
    docs_table,
)

from support import ROOT, corpus
from support.commands import chosho_files, cli

pytestmark = pytest.mark.slow


def _csv(path):
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    # records end in CRLF (a line break typed inside a cell stays inside its quotes)
    assert raw.endswith(b"\r\n") and raw.count(b"\r\n") >= raw.count(b"\n") // 2
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    src = corpus.write(root, corpus.example_rows(), "example.xlsx")
    proc = cli("export", src, "-o", root / "data")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def test_indicator_rows_are_the_engines_figures(exported):
    rows = _csv(exported / "data" / FILES[INDICATORS])
    assert rows[0] == [c.header for c in COLUMNS[INDICATORS]]
    head = rows[0]
    first = dict(zip(head, rows[1], strict=True))
    assert first["実施年度"] == "R6" and first["実施年度西暦"] == "2024"
    assert first["事業群"] == "①Society5.0実現に向けた推進体制の構築"
    assert (first["対象"], first["指標番号"], first["単位"], first["年度"]) == ("事業群", "1", "件", "R3")
    assert (first["目標値"], first["実績値"], first["達成率"]) == ("5", "6", "120")
    assert (first["進捗状況コード"], first["進捗状況"]) == ("2", "順調")
    projects = [dict(zip(head, r, strict=True)) for r in rows[1:] if r[head.index("対象")] == "事務事業"]
    assert projects and all(p["進捗状況"] == "" and p["事業番号"] for p in projects)


def test_project_rows_per_year_with_review_codes(exported):
    rows = _csv(exported / "data" / FILES[PROJECTS])
    head = rows[0]
    first = [dict(zip(head, r, strict=True)) for r in rows[1:4]]
    assert [(p["事業番号"], p["年度"], p["区分"], p["事業費"], p["一般財源"]) for p in first] == [
        ("1", "R4", "実績", "43948", "1"), ("1", "R5", "実績", "47211", "22063"), ("1", "R6", "計画", "69178", "30426")]
    assert {(p["見直し区分コード"], p["見直し区分"], p["見直し区分は提案"]) for p in first} == {("02", "改善", "false")}
    reviews = {(r[head.index("見直し区分コード")], r[head.index("見直し区分")]) for r in rows[1:]}
    assert ("10", "R6新規") in reviews and ("04", "縮小") in reviews
    # summing the rows counted gives the 調書's totals (事業群① R6計画 144,912 千円: 5 once, not 5-1 … too)
    plan1 = [p for p in (dict(zip(head, r, strict=True)) for r in rows[1:])
             if p["事業群番号"] == "1" and p["年度"] == "R6" and p["事業費"]]
    assert sum(int(p["事業費"]) for p in plan1 if p["合計に数える"] == "true") == 144912
    assert {p["事業番号"] for p in plan1 if p["合計に数える"] == "false"} == {"5-1", "5-2", "5-3", "5-4", "5-5"}
    # project 3 ended in R5: no 見直し区分, so no code either (not 99, 「another 区分」)
    ended = {(r[head.index("見直し区分コード")], r[head.index("見直し区分")], r[head.index("見直し区分は提案")])
             for r in rows[1:] if r[head.index("事業番号")] == "3"}
    assert ended == {("", "", "false")}


def test_json_is_valid_against_its_schema_and_equals_the_csv(exported):
    doc = json.loads((exported / "data" / JSON_FILE).read_text(encoding="utf-8"))
    schema = json.loads((exported / "data" / SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    assert doc["indicators"][0]["target"] == 5 and doc["indicators"][0]["rate"] == 120
    assert doc["projects"][0]["total"] == 43948 and doc["projects"][0]["core"] is True
    for name in (INDICATORS, PROJECTS):
        rows = _csv(exported / "data" / FILES[name])
        assert len(doc[name]) == len(rows) - 1
        keys = [c.key for c in COLUMNS[name]]
        for record, row in zip(doc[name], rows[1:], strict=True):
            shown = ["" if v is None else ("true" if v is True else "false" if v is False else str(v))
                     for v in (record[k] for k in keys)]
            assert shown == row


def test_a_built_chosho_gives_the_same_bytes(exported, tmp_path):
    assert cli("build", exported / "example.xlsx", "-o", tmp_path / "out").returncode == 0
    [chosho] = chosho_files(tmp_path / "out")
    proc = cli("export", tmp_path / "out", "-o", tmp_path / "data")  # the 一覧 and 評価結果概要 left out
    assert proc.returncode == 0, proc.stderr
    for name in (*FILES.values(), JSON_FILE, SCHEMA_FILE):
        assert (tmp_path / "data" / name).read_bytes() == (exported / "data" / name).read_bytes(), name
    assert chosho.exists()
    # the input and its 調書 together: one 施策 twice, nothing written
    proc = cli("export", exported / "example.xlsx", tmp_path / "out", "-o", tmp_path / "data2")
    assert proc.returncode == 1 and not (tmp_path / "data2").exists()
    assert proc.stderr.strip() == f"同じ施策・実施年度の調書が2つあります: {exported / 'example.xlsx'}, {chosho}"
    for ours in ("一覧.xlsx", "評価結果概要.xlsx"):  # named by hand: what it is, not 「シート「調書」がありません」
        proc = cli("export", tmp_path / "out" / ours, "-o", tmp_path / "data2", "--lang", "en")
        assert proc.returncode == 2 and not (tmp_path / "data2").exists()
        assert proc.stderr.strip() == (f"{tmp_path / 'out' / ours} is a 一覧 or 評価結果概要 written by build, "
                                       "not an input (give 調書 or department workbooks)")


def test_an_input_with_an_error_writes_nothing(tmp_path):
    rows = corpus.example_rows()
    rows["事業"][0]["R6事業費"] = "未定"
    bad = corpus.write(tmp_path, rows, "bad.xlsx")
    proc = cli("export", bad, "-o", tmp_path / "data")
    assert proc.returncode == 1
    assert "エラーのある入力が1件あるため、何も書き出しませんでした" in proc.stderr
    assert not (tmp_path / "data").exists()
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    good = corpus.write(tmp_path, corpus.example_rows(), "good.xlsx")
    twice = corpus.write(tmp_path, corpus.example_rows(), "twice.xlsx")
    proc = cli("export", good, twice, junk, bad, "-o", tmp_path / "data")  # a duplicate before: still exit 2
    assert proc.returncode == 2 and "読めない入力が1件あるため、何も書き出しませんでした" in proc.stderr
    assert not (tmp_path / "data").exists()


def test_existing_files_are_kept_without_force(exported, tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / JSON_FILE).write_text("mine", encoding="utf-8")
    proc = cli("export", exported / "example.xlsx", "-o", out)
    assert proc.returncode == 2 and (out / JSON_FILE).read_text(encoding="utf-8") == "mine"
    assert proc.stderr.strip() == f"{out / JSON_FILE} はすでにあります。上書きする場合は --force を付けてください"
    proc = cli("export", exported / "example.xlsx", "-o", out, "--lang", "en")
    assert proc.stderr.strip() == f"{out / JSON_FILE} already exists; add --force to overwrite it"
    assert cli("export", exported / "example.xlsx", "-o", out, "--force").returncode == 0
    assert (out / JSON_FILE).read_bytes() == (exported / "data" / JSON_FILE).read_bytes()


def test_an_output_that_is_a_file_is_not_a_matter_of_force(exported, tmp_path):
    out = tmp_path / "data"
    out.write_text("mine", encoding="utf-8")
    proc = cli("export", exported / "example.xlsx", "-o", out, "--force")
    assert proc.returncode == 2 and out.read_text(encoding="utf-8") == "mine"
    assert "--force" not in proc.stderr and f"{out}: Not a directory" in proc.stderr


def test_docs_list_every_column():
    doc = (ROOT / "docs" / "opendata.md").read_text(encoding="utf-8")
    for name in (INDICATORS, PROJECTS):
        assert docs_table(name) in doc, f"docs/opendata.md: regenerate the table of {FILES[name]}"
