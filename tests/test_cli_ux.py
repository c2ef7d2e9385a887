"""The commands around validation as a clerk meets them: no file lost by `template` or
`example`, a period that fits its year, `-h`/`--version`, and findings readable on an
80-column terminal (issue 8 items 10, 11, 14; issue 14 item 4)."""

from __future__ import annotations

import json
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from chosho_xlsx.cli import app

from support import corpus
from support.commands import cli as run

runner = CliRunner()


# ---- 8.10: never overwrite a file without --force ---------------------------------------


@pytest.mark.parametrize("command", ["template", "example"])
def test_existing_file_is_not_overwritten(tmp_path, command):
    out = tmp_path / "記入済み.xlsx"
    out.write_bytes(b"the department's filled workbook")
    proc = run(command, "-o", out)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"{out} はすでにあります。上書きする場合は --force を付けてください / "
        f"{out} already exists; add --force to overwrite it\n"
    )
    assert out.read_bytes() == b"the department's filled workbook"
    assert proc.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize("command", ["template", "example"])
def test_force_overwrites(tmp_path, command):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"old")
    proc = run(command, "-o", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"PK"


def test_existing_symlink_is_not_followed_over(tmp_path):
    target = tmp_path / "real.xlsx"
    target.write_bytes(b"keep")
    link = tmp_path / "link.xlsx"
    link.symlink_to(target)
    assert run("template", "-o", link).returncode == 2
    assert target.read_bytes() == b"keep"


# ---- 8.11: the plan period fits the year ------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("year", "plan", "message"),
    [
        ("R12", "R3-R7", "実施年度 R12 は計画期間 R3-R7 に合いません（実施年度は R3～R8 のいずれかです） / "
                         "the fiscal year R12 does not fit the plan period R3-R7 (it must be one of R3…R8)"),
        ("R6", "R3", "実施年度 R6 は計画期間 R3 に合いません（実施年度は R3～R4 のいずれかです） / "
                     "the fiscal year R6 does not fit the plan period R3 (it must be one of R3…R4)"),
        ("R6", "R7-R3", "計画期間 R7-R3 は終了年度が開始年度より前です / "
                        "the plan period R7-R3 ends before it starts"),
        ("R6", "R3-", "計画期間 R3- には終了年度が必要です / the plan period R3- needs an end year"),
        ("R6", "五年", "計画期間を読めません（例: R3-R7） / not a plan period (e.g. R3-R7): '五年'"),
        ("XX", "R3-R7", "実施年度を読めません（例: R6） / not a fiscal year (e.g. R6): 'XX'"),
    ],
)
def test_inconsistent_year_and_period_are_refused(tmp_path, year, plan, message):
    out = tmp_path / "t.xlsx"
    proc = run("template", "--year", year, "--plan", plan, "-o", out)
    assert proc.returncode == 2
    assert proc.stderr == message + "\n"
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize(("year", "plan"), [("R8", "R3-R7"), ("R3", "R3-R7"), ("R4", "R3")])
def test_every_accepted_year_and_period_validate(tmp_path, year, plan):
    """What `template` accepts, `validate` accepts: the blank workbook has no finding
    about its years (only the blanks a department has to fill)."""
    out = tmp_path / "t.xlsx"
    assert run("template", "--year", year, "--plan", plan, "-o", out).returncode == 0
    doc = json.loads(runner.invoke(app, ["validate", str(out), "--format", "json"]).stdout)
    codes = {f["code"] for f in doc["files"][0]["findings"]}
    assert codes <= {"E-KEY-MISSING", "E-REQUIRED"}, codes


# ---- 8.14: -h, --version -----------------------------------------------------------------


@pytest.mark.parametrize("args", [["-h"], ["validate", "-h"], ["template", "-h"]])
def test_short_help(args):
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: ")
    assert "-h, --help" in proc.stdout


def test_version():
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"chosho-xlsx {version('chosho-xlsx')}\n"


# ---- 8.14: findings readable on an 80-column terminal -----------------------------------


def with_columns(n: int) -> dict:
    import os

    return {**os.environ, "COLUMNS": str(n)}


def test_narrow_terminal_prints_one_finding_per_block(example):
    proc = run("validate", example, env=with_columns(80))
    i = corpus.index_of(corpus.example_rows(), "事業", 事務事業名="電子県庁推進事業")
    place = corpus.cell("事業", "見直し区分", i)
    assert proc.stdout == (
        f"! {example}: エラー 0 / 警告 1\n"
        f"{place}  警告  W-REVIEW-CONFLICT\n"
        "  値: 縮小\n"
        "  内容: 見直し区分「縮小」ですが、事業費は前年度実績から +44% です。\n"
        "  直し方: 見直し区分と事業費の増減の理由を確認してください。\n"
    )


def test_narrow_terminal_english(example):
    proc = run("validate", example, "--lang", "en", env=with_columns(80))
    lines = proc.stdout.splitlines()
    assert lines[0] == f"! {example}: errors 0 / warnings 1"
    assert lines[1].endswith("  warning  W-REVIEW-CONFLICT")
    assert lines[3] == "  Message: 見直し区分 is 「縮小」 but the budget changes +44% from last year."


def test_wide_terminal_keeps_the_table_with_singular_kind(example):
    proc = run("validate", example, "--lang", "en", env=with_columns(200))
    assert "┃ Place" in proc.stdout and "Kind" in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if "W-REVIEW-CONFLICT" in line)
    assert "│ warning │" in row and "warnings" not in row
    # the message is not folded at this width
    assert "見直し区分 is 「縮小」 but the budget changes +44% from last year." in row


def test_formula_warning_shows_the_value(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows,
                                  {("事業", "R6事業費", i): ("=69000+178", 69178)})
    doc = json.loads(runner.invoke(app, ["validate", str(path), "--format", "json"]).stdout)
    f = next(f for f in doc["files"][0]["findings"] if f["code"] == "W-FORMULA")
    assert f["value"] == "69178"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sheet", "match", "header", "value", "code", "shown"),
    [
        ("事業", {"事業番号": "7"}, "事務事業名", "date", "E-TEXT-DATE", "2024/5/1"),
        ("事業", {"事業番号": "2"}, "開始年度", "datetime", "E-NOT-YEAR", "2022/4/1"),
        ("事業", {"事業番号": "7"}, "所管課", "datetime_time", "E-TEXT-DATE", "2024/3/1 9:30"),
    ],
)
def test_dates_show_as_excel_shows_them(tmp_path, sheet, match, header, value, code, shown):
    from datetime import date, datetime

    raw = {"date": date(2024, 5, 1), "datetime": datetime(2022, 4, 1),
           "datetime_time": datetime(2024, 3, 1, 9, 30)}[value]
    rows = corpus.example_rows()
    i = corpus.index_of(rows, sheet, **match)
    path = corpus.set_cell(corpus.example_workbook(tmp_path), sheet, corpus.cell(sheet, header, i).split("!")[1], raw)
    doc = json.loads(runner.invoke(app, ["validate", str(path), "--format", "json"]).stdout)
    f = next(f for f in doc["files"][0]["findings"] if f["place"] == corpus.cell(sheet, header, i))
    assert (f["code"], f["value"]) == (code, shown)


# ---- issue 14 item 4: control characters are shown, never sent to the terminal ----------


def test_visible_shows_every_control_character():
    from chosho_xlsx.cli.display import visible

    assert visible("a\x1b[2Jb") == "a␛[2Jb"
    assert visible("x\ty\nz\rw\x00\x7f") == "x␉y␊z␍w␀␡"
    assert visible("\x9b31m") == "\\x9b31m"
    assert visible("縮小 ①「ok」") == "縮小 ①「ok」"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A workbook named with ESC whose 見直し区分 cell holds ESC (stored as _x001B_)."""
    folder = tmp_path_factory.mktemp("esc")
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="7")
    rows["事業"][i]["見直し区分"] = "\x1b[2J\x1b[8m縮小"
    path = corpus.write(folder, rows, name="dept\x1b[31m.xlsx")
    import zipfile

    sheet = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in zipfile.ZipFile(path).namelist() else ""
    sheet += "".join(zipfile.ZipFile(path).read(n).decode() for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/worksheets/"))
    assert "_x001B_" in sheet
    return path, i


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 200])
def test_validate_never_prints_a_control_character(hostile, columns):
    path, i = hostile
    proc = run("validate", path, env=with_columns(columns))
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout + proc.stderr
    assert "dept␛[31m.xlsx" in proc.stdout
    assert "␛[2J␛[8m縮小" in proc.stdout


def test_json_keeps_the_exact_value(hostile):
    path, i = hostile
    doc = json.loads(runner.invoke(app, ["validate", str(path), "--format", "json"]).stdout)
    f = next(f for f in doc["files"][0]["findings"] if f["place"] == corpus.cell("事業", "見直し区分", i))
    assert f["value"] == "\x1b[2J\x1b[8m縮小"
    assert doc["files"][0]["file"] == str(path)


@pytest.mark.slow
def test_build_never_prints_a_control_character(hostile, tmp_path):
    path, _ = hostile
    proc = run("build", path, "-o", tmp_path / "out")
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout + proc.stderr
    assert "dept␛[31m.xlsx" in proc.stdout + proc.stderr
    assert "␛[2J␛[8m縮小" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_annotate_path_is_shown_visibly(hostile, tmp_path):
    path, _ = hostile
    proc = run("validate", path, "--annotate", tmp_path / "notes")
    assert "\x1b" not in proc.stdout + proc.stderr
    assert "dept␛[31m.annotated.xlsx" in proc.stderr


def test_unwritable_output_named_with_escapes_is_shown_visibly(example, tmp_path):
    blocked = tmp_path / "out\x1b[2J"
    blocked.write_text("a file where the output folder should be")
    proc = run("build", example, "-o", blocked)
    assert proc.returncode == 2
    assert "\x1b" not in proc.stdout + proc.stderr
    assert "out␛[2J" in proc.stderr
