"""`chosho-xlsx validate` and files: unreadable files are exit 2 with one sentence (both
languages, no traceback); several files and folders in one call; the input is never
modified and nothing is written beside it; --annotate writes a marked copy elsewhere."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chosho_xlsx.cli import app
from chosho_xlsx.common.findings import UnreadableFile
from chosho_xlsx.intake.safety import check_workbook
from chosho_xlsx.writers.annotate import ERROR_FILL, WARNING_FILL

from support import corpus, hostile
from support.commands import cli

pytestmark = pytest.mark.slow

runner = CliRunner()
WIDE = {"COLUMNS": "1000"}  # rich wraps at the console width; keep each sentence on one line


def validate(*args: object, env: dict | None = None):
    return runner.invoke(app, ["validate", *map(str, args)], env=env or WIDE)


def as_json(*args: object) -> tuple[int, dict]:
    result = validate(*args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


# ---- files that cannot be read safely: exit 2, one sentence ---------------------------

UNREADABLE = [
    ("not-xlsx-text", hostile.text_file, "E-FILE-NOT-XLSX"),
    ("not-xlsx-pdf", hostile.pdf_file, "E-FILE-NOT-XLSX"),
    ("not-a-workbook-zip", hostile.plain_zip, "E-FILE-NOT-WORKBOOK"),
    ("not-a-workbook-docx", hostile.docx_zip, "E-FILE-OTHER-KIND"),
    ("empty", hostile.empty_file, "E-FILE-EMPTY"),
    ("truncated", hostile.truncated_xlsx, "E-FILE-CORRUPT"),
    ("corrupt-member", hostile.corrupt_member_xlsx, "E-FILE-CORRUPT"),
    ("crc", hostile.crc_mismatch_xlsx, "E-FILE-CORRUPT"),
    ("old-xls", hostile.xls_file, "E-FILE-XLS"),
    ("encrypted", hostile.encrypted_xlsx, "E-FILE-ENCRYPTED"),
    ("zip-bomb", hostile.ratio_bomb, "E-FILE-ZIPBOMB"),
    ("zip-bomb-declared", hostile.declared_bomb, "E-FILE-ZIPBOMB"),
    ("too-many-parts", hostile.many_members, "E-FILE-TOO-MANY-PARTS"),
    ("xml-bomb", hostile.xml_bomb, "E-FILE-XMLBOMB"),
    ("xxe", hostile.xxe, "E-FILE-XMLBOMB"),
    ("missing", lambda folder: folder / "nowhere.xlsx", "E-FILE-MISSING"),
]


def _expected(path: Path) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        check_workbook(path)
    return caught.value


@pytest.mark.parametrize(("build", "code"), [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_unreadable_file_is_exit_2_with_one_sentence(tmp_path, build, code, lang):
    path = build(tmp_path)
    finding = _expected(path).finding
    assert finding.code == code
    result = validate(path, "--lang", lang)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stdout.splitlines()
    assert lines == [f"✘ {finding.message(lang)}", f"  {finding.hint(lang)}"]
    assert str(path) in lines[0]
    assert "Traceback" not in result.output

    exit_code, doc = as_json(path, "--lang", lang)
    assert exit_code == 2
    (f,) = doc["files"][0]["findings"]
    assert doc["files"][0]["readable"] is False and doc["files"][0]["valid"] is False
    assert (f["code"], f["place"], f["sheet"], f["cell"], f["message"]) == (
        code, str(path), "", "", finding.message(lang))


@pytest.mark.parametrize("build", [hostile.xxe, hostile.truncated_xlsx, hostile.encrypted_xlsx, hostile.empty_file])
def test_unreadable_in_a_real_process_has_no_traceback(tmp_path, build):
    path = build(tmp_path)
    proc = cli("validate", path, env={**os.environ, **WIDE})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith("✘ ") and str(path) in proc.stdout


def test_parser_failure_after_the_safety_check_is_exit_2(tmp_path, monkeypatch):
    """A file the safety check lets through but calamine chokes on: one sentence, exit 2."""
    import chosho_xlsx.pipeline as pipeline

    def boom(*args, **kwargs):
        raise ValueError("calamine says no")

    # where check_file looks it up (pipeline imports it by name at its top), whether or not
    # an earlier test of the session imported pipeline first
    monkeypatch.setattr(pipeline, "read_book", boom)
    path = corpus.example_workbook(tmp_path)
    code, doc = as_json(path)
    assert code == 2
    assert [f["code"] for f in doc["files"][0]["findings"]] == ["E-FILE-CORRUPT"]


# ---- several files and folders: each reported, the worst exit code ---------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """clean (exit 0, one warning), warn (exit 0), bad (exit 1), broken (exit 2)."""
    base = tmp_path_factory.mktemp("files")
    out = {"clean": corpus.example_workbook(base, "clean.xlsx")}
    rows = corpus.example_rows()
    rows["指標"][0]["目標の向き"] = "減少"
    out["warn"] = corpus.write(base, rows, "warn.xlsx")
    out["bad"] = corpus.mutated(base, "事業", 3, "事業群番号", 9, "bad.xlsx")
    out["broken"] = hostile.truncated_xlsx(base)
    return out


@pytest.mark.parametrize(
    ("names", "code"),
    [(["clean"], 0), (["clean", "warn"], 0), (["warn", "bad"], 1), (["bad", "clean"], 1),
     (["bad", "broken"], 2), (["broken", "clean"], 2), (["clean", "warn", "bad", "broken"], 2)],
)
def test_exit_code_is_the_worst(files, names, code):
    exit_code, doc = as_json(*(files[n] for n in names))
    assert exit_code == code
    assert [f["file"] for f in doc["files"]] == [str(files[n]) for n in names]
    assert validate(*(files[n] for n in names)).exit_code == code


def test_each_file_reported_in_text(files):
    result = validate(files["clean"], files["bad"], files["broken"])
    assert result.exit_code == 2
    for name in ("clean", "bad", "broken"):
        assert str(files[name]) in result.stdout
    assert "E-REF-GROUP" in result.stdout and "事業!B5" in result.stdout


def test_folder_expands_to_its_workbooks(tmp_path):
    folder = tmp_path / "dept"
    (folder / "sub").mkdir(parents=True)
    corpus.example_workbook(folder, "a.xlsx")
    corpus.mutated(folder / "sub", "事業", 3, "事業群番号", 9, "b.xlsx")
    (folder / "~$a.xlsx").write_bytes(b"lock")  # Excel's lock file: skipped
    (folder / "notes.txt").write_text("not a workbook")  # not a workbook suffix: skipped
    code, doc = as_json(folder)
    assert code == 1
    assert [Path(f["file"]).name for f in doc["files"]] == ["a.xlsx", "b.xlsx"]
    assert [f["valid"] for f in doc["files"]] == [True, False]


def test_folder_and_file_together(tmp_path, files):
    folder = tmp_path / "dept"
    folder.mkdir()
    corpus.example_workbook(folder, "a.xlsx")
    hostile.xls_file(folder)
    code, doc = as_json(folder, files["clean"])
    assert code == 2
    assert [f["readable"] for f in doc["files"]] == [True, False, True]


def test_no_workbooks_is_misuse(tmp_path):
    result = validate(tmp_path)
    assert result.exit_code == 2


# ---- nothing lost: the input is only read ---------------------------------------------


def _state(folder: Path) -> dict[str, tuple[str, int]]:
    """name → (sha256, mtime_ns) of everything in the folder, hidden files included."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


@pytest.mark.parametrize(
    "args",
    [[], ["--format", "json"], ["--strict"], ["--lang", "en"]],
    ids=["text", "json", "strict", "en"],
)
@pytest.mark.parametrize("kind", ["clean", "bad", "formula"])
def test_input_untouched_and_nothing_beside_it(tmp_path, args, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    if kind == "clean":
        path = corpus.example_workbook(folder)
    elif kind == "bad":
        path = corpus.mutated(folder, "事業", 3, "事業群番号", 9)
    else:
        rows = corpus.example_rows()
        path = corpus.xlsxwriter_book(folder / "f.xlsx", rows, {("事業", "R6事業費", 0): ("=1+1", 2)})
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # a fixed, old mtime
    before = _state(folder)
    result = validate(path, *args)
    assert result.exit_code in (0, 1)
    assert _state(folder) == before


def test_annotate_writes_only_the_copy(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    path = corpus.mutated(folder, "事業", 3, "事業群番号", 9)
    before = _state(folder)
    result = validate(path, "--annotate", out / "marked.xlsx")
    assert result.exit_code == 1
    assert _state(folder) == before
    assert [p.name for p in out.iterdir()] == ["marked.xlsx"]  # no temporary file left


def test_build_leaves_the_input_alone(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    path = corpus.example_workbook(folder)
    before = _state(folder)
    result = runner.invoke(app, ["build", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert _state(folder) == before


# ---- --annotate ------------------------------------------------------------------------


def _marks(path: Path) -> dict[str, tuple[str, str]]:
    """「sheet!cell」 → (fill colour, comment text) of every commented cell."""
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.comment is not None:
                    out[f"{ws.title}!{c.coordinate}"] = (c.fill.start_color.rgb[-6:], c.comment.text)
    return out


def test_annotate_marks_errors_red_and_warnings_yellow(tmp_path):
    rows = corpus.example_rows()
    rows["事業"][3]["事業群番号"] = 9  # E-REF-GROUP at 事業!B5
    rows["指標"][0]["R7目標"] = None  # W-NO-FINAL-TARGET at 指標!L2
    path = corpus.write(tmp_path, rows)
    out = tmp_path / "out" / "marked.xlsx"
    result = validate(path, "--annotate", out)
    assert result.exit_code == 1
    marks = _marks(out)
    assert set(marks) == {"事業!B5", "指標!L2", "事業!AB12"}
    fill, text = marks["事業!B5"]
    assert fill == ERROR_FILL
    assert "E-REF-GROUP" in text and "事業群番号「9」は事業群シートにありません。" in text
    assert "事業群シートにある番号を選んでください。" in text  # the hint
    assert marks["指標!L2"][0] == WARNING_FILL and "W-NO-FINAL-TARGET" in marks["指標!L2"][1]
    assert marks["事業!AB12"][0] == WARNING_FILL
    # the values are the department's, unchanged: the copy validates the same way
    code, doc = as_json(out)
    assert code == 1
    assert sorted(f["place"] for f in doc["files"][0]["findings"]) == ["事業!AB12", "事業!B5", "指標!L2"]
    # same input, same bytes (openpyxl's own save stamps the time; save_copy does not)
    again = tmp_path / "out" / "again.xlsx"
    assert validate(path, "--annotate", again).exit_code == 1
    assert again.read_bytes() == out.read_bytes()


def test_annotate_in_english(tmp_path):
    path = corpus.mutated(tmp_path, "事業", 3, "事業群番号", 9)
    out = tmp_path / "marked.xlsx"
    assert validate(path, "--annotate", out, "--lang", "en").exit_code == 1
    assert "Group 「9」 is not on the 事業群 sheet." in _marks(out)["事業!B5"][1]


def test_annotate_places_without_a_cell_on_a1(tmp_path):
    path = corpus.rename_header(corpus.example_workbook(tmp_path), "事業", "事業対象", "対象者")
    corpus.delete_sheet(path, "課題")
    out = tmp_path / "marked.xlsx"
    assert validate(path, "--annotate", out).exit_code == 1
    marks = _marks(out)
    assert "E-COLUMN-MISSING" in marks["事業!A1"][1] and "事業対象" in marks["事業!A1"][1]
    first = load_workbook(out).sheetnames[0]
    assert "E-SHEET-MISSING" in marks[f"{first}!A1"][1]
    assert marks["事業!A1"][0] == ERROR_FILL


def test_annotate_keeps_an_existing_comment(tmp_path):
    from openpyxl.comments import Comment

    path = corpus.mutated(tmp_path, "事業", 3, "事業群番号", 9)

    def change(wb):
        wb["事業"]["B5"].comment = Comment("部局のメモ", "clerk")

    corpus.edit(path, change)
    out = tmp_path / "marked.xlsx"
    validate(path, "--annotate", out)
    text = _marks(out)["事業!B5"][1]
    assert "E-REF-GROUP" in text and "部局のメモ" in text


def test_annotate_clean_file_is_a_plain_copy(tmp_path):
    path = corpus.example_workbook(tmp_path)
    out = tmp_path / "out.xlsx"
    assert validate(path, "--annotate", out).exit_code == 0
    assert set(_marks(out)) == {"事業!AB12"}


def test_annotate_keeps_the_values_saved_with_formulas(tmp_path):
    """openpyxl drops a formula's saved value: the copy gets the original's back, whatever
    its kind (number, text, truth value, error), so a viewer that does not recalculate
    shows the same as in the original."""
    from support.recalc import _read

    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows, {
        ("事業", "R6事業費", i): ("=69000+178", 69178),
        ("事業", "R5事業費", i): ("=1/3", 1 / 3),
        ("事業", "事務事業名", i): ('="<a&b>"&"事業"', "<a&b>事業"),
        ("事業", "事業内容", i): ("=1>0", True),
        ("事業", "事業対象", i): ("=1/0", "#DIV/0!"),
    })
    out = tmp_path / "marked.xlsx"
    validate(path, "--annotate", out)
    formulas, cached = _read(out)
    assert set(formulas.values()) == {"=69000+178", "=1/3", '="<a&b>"&"事業"', "=1>0", "=1/0"}
    assert cached == _read(path)[1]
    assert sorted(map(repr, cached.values())) == sorted(
        map(repr, [69178, 1 / 3, "<a&b>事業", True, "#DIV/0!"]))
    assert "事業!" + corpus.letter("事業", "R6事業費") + str(i + 2) in _marks(out)


def test_annotate_refuses_to_overwrite_the_original(tmp_path):
    path = corpus.mutated(tmp_path, "事業", 3, "事業群番号", 9)
    before = _state(tmp_path)
    result = validate(path, "--annotate", path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert _state(tmp_path) == before


def test_annotate_several_files_into_a_folder(tmp_path, files):
    out = tmp_path / "marked"
    result = validate(files["clean"], files["bad"], files["broken"], "--annotate", out)
    assert result.exit_code == 2  # the broken one
    assert sorted(p.name for p in out.iterdir()) == ["bad.annotated.xlsx", "clean.annotated.xlsx"]
    assert "事業!B5" in _marks(out / "bad.annotated.xlsx")


def test_annotate_same_names_from_two_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    corpus.example_workbook(a, "x.xlsx")
    corpus.example_workbook(b, "x.xlsx")
    out = tmp_path / "out"
    assert validate(a / "x.xlsx", b / "x.xlsx", "--annotate", out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["x.annotated-2.xlsx", "x.annotated.xlsx"]


def test_annotate_json_stdout_stays_json(tmp_path):
    path = corpus.mutated(tmp_path, "事業", 3, "事業群番号", 9)
    result = validate(path, "--annotate", tmp_path / "m.xlsx", "--format", "json")
    json.loads(result.stdout)


def test_annotate_first_sheet_is_a_worksheet(tmp_path):
    """A chartsheet placed first cannot hold a comment: the first worksheet's A1 does."""
    path = corpus.delete_sheet(corpus.example_workbook(tmp_path), "課題")

    def change(wb):
        from openpyxl.chart import BarChart, Reference

        chart = BarChart()
        chart.add_data(Reference(wb["事業"], min_col=15, min_row=1, max_row=5), titles_from_data=True)
        wb.create_chartsheet("グラフ", 0).add_chart(chart)

    corpus.edit(path, change)
    out = tmp_path / "marked.xlsx"
    assert validate(path, "--annotate", out).exit_code == 1
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "グラフ"
    assert "E-SHEET-MISSING" in _marks(out)[f"{wb.worksheets[0].title}!A1"][1]


def test_annotate_failure_is_one_sentence_and_exit_2(tmp_path):
    """A workbook calamine reads but openpyxl cannot load (here an empty chartsheet):
    the findings are still reported, the copy is refused with one sentence."""
    path = corpus.example_workbook(tmp_path)
    corpus.edit(path, lambda wb: wb.create_chartsheet("グラフ", 0))
    out = tmp_path / "out" / "marked.xlsx"
    result = validate(path, "--annotate", out)
    assert result.exit_code == 2
    assert "W-REVIEW-CONFLICT" in result.stdout
    assert result.stderr.strip().startswith("注記付きの写しを作れません") and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("command", ["validate", "build"])
def test_an_output_in_cp932_gets_its_findings_not_a_traceback(files, tmp_path, command):
    """Japanese Windows writes a redirected output (`> 結果.txt`) in cp932, which has no
    ✘ (the mark of a file with errors): the findings are written all the same, that mark
    as '?', the exit code the usual one; a UTF-8 output is unchanged."""
    import os
    import subprocess
    import sys

    words = [command, str(files["bad"])] + (["-o", str(tmp_path / "out")] if command == "build" else [])
    proc = subprocess.run([sys.executable, "-m", "chosho_xlsx.cli", *words], capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "cp932", "COLUMNS": "200"}, timeout=600)
    assert proc.returncode == 1, proc.stderr.decode("cp932", "replace")
    assert b"Traceback" not in proc.stderr
    shown = (proc.stdout + proc.stderr).decode("cp932")
    assert "? " + str(files["bad"]) in shown and "事業!B5" in shown and "E-REF-GROUP" in shown
