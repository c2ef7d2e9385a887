"""Issue 21 item 2: the input stored inside a 調書 is input. It is read only from a
workbook with our mark whose visible cells agree with it, within the limits and through
the contract an uploaded workbook goes through; anything else is E-FILE-CHOSHO-DAMAGED
(exit 2, 422 in the portal), never a traceback or a minute of work."""

from __future__ import annotations

import pytest

from chosho_xlsx.cycle.rollover import RolloverRefused, rollover_file
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file
from chosho_xlsx.writers.embed import packed_properties, read_embedded
from chosho_xlsx.writers.example import load_example_rows, write_example
from chosho_xlsx.writers.outputs import MARKER

from support.commands import cli as run
from support.forged import input_carrying, with_properties

pytestmark = pytest.mark.slow

DAMAGED = "調書に保存された入力データが壊れているため読み込めません"
HIDDEN = "HIDDEN CONTENT not validated"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """(an input workbook, its 調書 as build writes it, the stored rows)."""
    from chosho_xlsx.writers.layout import write_chosho

    d = tmp_path_factory.mktemp("embedded")
    src = d / "R6.xlsx"
    write_example(src)
    checked = check_file(src, load_ruleset())
    chosho = d / "R6_調書.xlsx"
    write_chosho(checked.report, chosho, load_ruleset())
    return src, chosho, read_embedded(chosho)


def _hidden(rows):
    rows = {k: [dict(r) for r in v] for k, v in rows.items()}
    rows["事業"][0]["事業内容"] = HIDDEN
    return rows


def _refused(path, tmp_path):
    out = tmp_path / "out.xlsx"
    proc = run("rollover", str(path), "-o", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert DAMAGED in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    assert not out.exists()
    return proc.stdout


def test_an_input_workbook_carrying_stored_input_is_refused(made, tmp_path):
    """The attack as reported: not a 調書 of ours (no mark), valid SHA-256, hidden rows."""
    src, chosho, rows = made
    plain = input_carrying(src, chosho, packed_properties(_hidden(rows)), tmp_path / "plain.xlsx")
    assert check_file(plain, load_ruleset()).errors == []  # validate sees a good input
    assert "no chosho-xlsx mark" in _refused(plain, tmp_path)


def test_stored_input_that_is_not_what_the_chosho_shows_is_refused(made, tmp_path):
    """Our mark and a valid SHA-256, but the stored 事業内容 is not the one printed."""
    _, chosho, rows = made
    forged = with_properties(chosho, tmp_path / "forged.xlsx",
                              [(MARKER, "調書"), *packed_properties(_hidden(rows))])
    out = _refused(forged, tmp_path)
    assert "not as shown:" in out


def test_sixty_thousand_stored_rows_are_refused_by_counting_them(made, tmp_path):
    _, chosho, rows = made
    rows = dict(rows)
    row = rows["事業指標"][0]
    rows["事業指標"] = [row] * 60_000
    big = with_properties(chosho, tmp_path / "big.xlsx", [(MARKER, "調書"), *packed_properties(rows)])
    assert big.stat().st_size < 200_000
    assert "事業指標: 60,000 rows, limit 2,000" in _refused(big, tmp_path)


@pytest.mark.parametrize("shape", [
    {"事業": "notalist"},
    {"事業": [["a"]]},
    {"事業": [{"事業内容": {"nested": 1}}]},
    {"知らないシート": []},
    ["not", "a", "mapping"],
])
def test_stored_input_of_the_wrong_shape_is_refused(made, tmp_path, shape):
    _, chosho, rows = made
    bad_rows = {**rows, **shape} if isinstance(shape, dict) else shape
    bad = with_properties(chosho, tmp_path / "bad.xlsx", [(MARKER, "調書"), *packed_properties(bad_rows)])
    _refused(bad, tmp_path)


def test_a_stored_text_longer_than_a_cell_is_refused(made, tmp_path):
    _, chosho, rows = made
    long = _hidden(rows)
    long["事業"][0]["事業内容"] = "長" * 40_000
    bad = with_properties(chosho, tmp_path / "long.xlsx", [(MARKER, "調書"), *packed_properties(long)])
    assert "text longer than 32,767" in _refused(bad, tmp_path)


def test_the_chosho_as_built_still_rolls_over(made):
    _, chosho, _ = made
    result = rollover_file(chosho, load_ruleset())
    assert result.from_chosho and result.to_year == 2025


def test_an_unmarked_stored_input_is_refused_in_the_library_call(made, tmp_path):
    _, chosho, rows = made
    unmarked = with_properties(chosho, tmp_path / "u.xlsx", packed_properties(rows))
    with pytest.raises(RolloverRefused) as info:
        rollover_file(unmarked, load_ruleset())
    [finding] = info.value.checked.findings
    assert finding.code == "E-FILE-CHOSHO-DAMAGED" and finding.params["reason"] == "no chosho-xlsx mark"


def test_the_example_rows_are_plain_rows():
    from chosho_xlsx.common.limits import Limits
    from chosho_xlsx.writers.embed import plain_rows

    rows = load_example_rows()
    assert plain_rows(rows, Limits()) is rows
