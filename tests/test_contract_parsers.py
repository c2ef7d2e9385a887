"""Text longer than a cell holds (issue 14.8): a finding at that cell, counted as Excel
counts (UTF-16 code units: an emoji is two), never a text cut short in the 調書 or the
一覧 with exit 0."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.common.limits import Limits
from chosho_xlsx.common.text import EXCEL_TEXT_MAX, TextTooLong, cell_text, excel_length
from chosho_xlsx.contract.parsers import CellError, to_text
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file

from support import big, corpus
from support.commands import cli

EMOJI = "\U0001f600"  # 😀: one character, two UTF-16 code units
WHERE = corpus.cell("事業", "事業内容", 0)


def with_text(folder: Path, text: str) -> Path:
    """The example with `text` in 事業内容 of the first project."""
    return big.long_text(folder, "事業", "事業内容", text)


@pytest.mark.slow
def test_a_40000_character_cell_is_a_finding_and_nothing_is_built(tmp_path):
    path = with_text(tmp_path, "あ" * 40_000)
    proc = cli("validate", str(path), "--format", "json")
    assert proc.returncode == 1
    (f,) = [x for x in json.loads(proc.stdout)["files"][0]["findings"] if x["code"] == "E-TEXT-TOO-LONG"]
    assert f["place"] == WHERE
    assert f["message"] == "文字数が 40,000 字（Excel の数え方）あり、1つのセルの上限 32,767 字を超えています。"
    assert f["value"] == "あ" * 100 + "…"  # the start of it, not 40,000 characters in the table
    out = tmp_path / "out"
    proc = cli("build", str(path), "-o", str(out))
    assert proc.returncode == 1
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["一覧.xlsx", "評価結果概要.xlsx"]
    assert "E-TEXT-TOO-LONG" in proc.stdout


def test_emoji_count_twice(tmp_path):
    checked = check_file(with_text(tmp_path, EMOJI * EXCEL_TEXT_MAX), load_ruleset())
    (f,) = [x for x in checked.findings if x.code == "E-TEXT-TOO-LONG"]
    assert f.place == WHERE and f.params["length"] == "65,534"


@pytest.mark.slow
def test_text_at_the_limit_is_built_whole(tmp_path):
    """32,767 code units (one emoji and 32,765 kana) pass and reach the 調書 uncut."""
    text = EMOJI + "い" * (EXCEL_TEXT_MAX - 2)
    path = big.long_text(tmp_path, "事業", "事業対象", text)  # printed alone in its cell
    out = tmp_path / "out"
    proc = cli("build", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stdout
    (chosho,) = [p for p in out.glob("R6_*.xlsx")]
    found = [c.value for ws in openpyxl.load_workbook(chosho) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "いいい" in c.value]
    assert found == [text]


def test_texts_printed_together_past_the_limit_are_a_finding(tmp_path):
    """事業内容 and 実施状況 print in one cell under their headings: each fits, together
    they do not. validate says so at 事業内容 (before, build cut the cell short)."""
    path = with_text(tmp_path, "い" * (EXCEL_TEXT_MAX - 10))
    checked = check_file(path, load_ruleset())
    (f,) = [x for x in checked.findings if x.code.startswith("E-TEXT")]
    assert (f.code, f.place) == ("E-TEXT-JOINED-TOO-LONG", WHERE)
    assert f.message().startswith("事業内容・実施状況 は調書の1つのセルにまとめて印刷され、合わせて ")
    assert f.message().endswith("字（Excel の数え方）になり、上限 32,767 字を超えます。")


def test_the_limit_is_a_setting(tmp_path):
    settings = dataclasses.replace(load_ruleset(), limits=Limits(text_length=1000))
    checked = check_file(with_text(tmp_path, "x" * 1001), settings)
    (f,) = [x for x in checked.findings if x.code == "E-TEXT-TOO-LONG"]
    assert f.message("en") == ("The text is 1,001 characters long (as Excel counts them), over the "
                               "limit of 1,000 for one cell.")


def test_a_text_put_together_past_the_limit_is_never_cut_short():
    """Texts the 調書 joins into one cell (事業内容 and 実施状況, say) may each fit and
    together not: writing it fails instead of cutting it."""
    with pytest.raises(TextTooLong, match=r"1 概要!H12: 40,000 characters, more than a cell holds \(32,767\)"):
        cell_text("あ" * 40_000, "1 概要!H12")


@given(st.text(max_size=50))
def test_excel_length_counts_utf16_code_units(text):
    assert excel_length(text) == len(text.encode("utf-16-le")) // 2
    big = text * (EXCEL_TEXT_MAX // max(1, len(text)) + 1) if text else ""
    assert excel_length(big) == len(big.encode("utf-16-le")) // 2


@given(st.text(min_size=1, max_size=30), st.integers(1, 60))
def test_to_text_refuses_exactly_past_the_limit(text, limit):
    units = excel_length(text)
    if units > limit:
        with pytest.raises(CellError) as caught:
            to_text(text, limit)
        assert caught.value.code == "E-TEXT-TOO-LONG"
    elif text.strip():
        assert to_text(text, limit) == text
