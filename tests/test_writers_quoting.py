"""The quote prefix: a department text that someone editing or retyping the cell would
turn into a formula (「=」「+」「-」「@」, full-width too, after leading spaces, tabs or line
breaks) carries Excel's quote prefix in every workbook we write: the 調書, the 一覧, the
template/example rows, the annotated copy. One rule (quoting.needs_quote), checked here
on the rule itself and on the written files."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_book, example_book
from chosho_xlsx.writers import layout
from chosho_xlsx.writers.annotate import annotate
from chosho_xlsx.writers.quoting import needs_quote
from chosho_xlsx.writers.summary import PASSED, Line, figures, write_summary

from support import corpus

SETTINGS = load_ruleset()
STARTS = "=+-@＝＋－＠"
LEADING = " \t\n\r\u3000"
# characters a text may start with that no spreadsheet takes for a formula
PLAIN = "観光振興aZ09（「・ー‐'#_%"

leading = st.text(LEADING, max_size=3)
rest = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12)  # the loader drops control characters
formula_like = st.builds(lambda a, b, c: a + b + c, leading, st.sampled_from(STARTS), rest)
plain = st.builds(lambda a, b, c: a + b + c, leading, st.sampled_from(PLAIN), rest)


@given(formula_like)
def test_formula_like_text_needs_the_prefix(text):
    assert needs_quote(text)


@given(plain)
def test_other_text_does_not(text):
    assert not needs_quote(text)


@pytest.mark.parametrize("text", ["＝SUM(A1)", "＋1", "－1", "＠A1", " =1+1", "\t=A1", "\n-1", "\u3000＝1"])
def test_the_reported_gaps(text):
    assert needs_quote(text)


@pytest.mark.parametrize("text", ["", "   ", "ー", "観光", "3-1", "A=B"])
def test_not_these(text):
    assert not needs_quote(text)


def unquoted(path: Path) -> list[str]:
    """Every text cell of the workbook that needs the prefix and does not have it."""
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate} {c.value!r}" for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "s" and isinstance(c.value, str) and needs_quote(c.value)
            and not c.quotePrefix]


@functools.cache
def example_report():
    checked = check_book(example_book(), SETTINGS)
    assert checked.ok
    return checked.report


def _with_text(report, text: str):
    r = copy.deepcopy(report)
    c = r.chosho
    c.strategy = c.policy = c.related_sections = text
    c.groups[0].name = c.groups[0].section = text
    c.indicators[0].name = c.indicators[0].analysis = text
    c.projects[0].name = c.projects[0].law = c.projects[0].next_direction = text
    return r


def _texts_in(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


# Each example writes two workbooks: few examples, and no shrinking (it would rewrite them
# hundreds of times); the failing text is printed as drawn.
@pytest.mark.slow
@settings(max_examples=12, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(formula_like, plain).filter(lambda t: t.strip() and "\r" not in t))
@example(text="＝SUM(A1)")
@example(text=" +81 95 000 0000")
def test_every_written_text_that_needs_it_has_it(tmp_path_factory, text):
    """調書 and 一覧 written from a report whose department texts are `text`: the text is
    there, and no cell that needs the prefix lacks it."""
    tmp = tmp_path_factory.mktemp("q")
    r = _with_text(example_report(), text)
    chosho = tmp / "chosho.xlsx"
    layout.write_chosho(r, chosho, SETTINGS)
    summary = tmp / "summary.xlsx"
    write_summary([Line(text, PASSED, figures(r, SETTINGS), output="x.xlsx")], summary, SETTINGS)
    for path in (chosho, summary):
        assert any(text.strip() in t for t in _texts_in(path)), path.name
        assert unquoted(path) == [], path.name


@pytest.mark.parametrize("text", ["＝SUM(A1)", " -1", "@A1"])
def test_template_rows_and_annotated_copy(tmp_path, text):
    """The example rows written by the template carry the prefix; a workbook saved without
    it (XlsxWriter, as another program might) gets it in the annotated copy."""
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    rows["事業"][i]["事務事業名"] = text
    rows["指標"][0]["進捗状況の分析"] = text
    written = corpus.write(tmp_path, rows)
    assert unquoted(written) == []
    bare = corpus.xlsxwriter_book(tmp_path / "bare.xlsx", rows, {})
    assert len(unquoted(bare)) == 2  # the case: no prefix in the department's file
    copy_ = tmp_path / "annotated.xlsx"
    annotate(bare, [], copy_)
    assert unquoted(copy_) == []
    assert sum(c.value == text for row in openpyxl.load_workbook(copy_)["事業"].iter_rows() for c in row) == 1
