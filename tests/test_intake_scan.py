"""The formula and error-value scan of the sheet XML (formulas.scan_cells): what a parser
sees, in one linear pass, whatever the part holds."""

from __future__ import annotations

import subprocess

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chosho_xlsx.common.addresses import col_index, col_letter
from chosho_xlsx.intake.numformat import NumberFormat
from chosho_xlsx.intake.scan import scan_cells

from support import hostile
from support.commands import CLI

SHEET = ("指標",)


def test_markup_inside_a_comment_is_not_a_cell(tmp_path):
    cells = (
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<!-- <c r="B2"><f>1+1</f><v>2</v></c> <c r="B3" t="e"><v>#N/A</v></c> -->'
    )
    scan = scan_cells(hostile.sheet_with_cells(tmp_path, cells), SHEET)
    assert scan.formulas == {} and scan.errors == {}


def test_cells_without_a_reference_follow_the_previous_one(tmp_path):
    cells = (
        '<row r="3"><c r="B3"><v>1</v></c><c><f>A1</f><v>2</v></c></row>'
        '<row><c t="e"><v>#REF!</v></c></row>'
    )
    scan = scan_cells(hostile.sheet_with_cells(tmp_path, cells), SHEET)
    assert scan.formulas == {("指標", 3, 2): True}
    assert scan.errors == {("指標", 4, 0): "#REF!"}


def test_entities_in_an_error_value_are_decoded(tmp_path):
    cells = '<row r="1"><c r="A1" t="e"><f>X</f><v>#N/A&amp;</v></c></row>'
    scan = scan_cells(hostile.sheet_with_cells(tmp_path, cells, prefix="x:"), SHEET)
    assert scan.errors == {("指標", 1, 0): "#N/A&"}
    assert scan.formulas == {("指標", 1, 0): True}


# What each kind of cell looks like in the XML, and what the scan must report:
# (formula → has a cached value, error value).
KINDS = {
    "number": ("<{p}v>5</{p}v>", None, None),
    "formula": ("<{p}f>1+1</{p}f><{p}v>2</{p}v>", True, None),
    "formula, no value": ("<{p}f>1+1</{p}f>", False, None),
    "formula, empty value": ("<{p}f>1+1</{p}f><{p}v></{p}v>", False, None),
    "shared formula": ('<{p}f t="shared" si="0"/><{p}v>3</{p}v>', True, None),
    "error": ("<{p}v>#N/A</{p}v>", None, "#N/A"),
    "error, no value": ("", None, "#VALUE!"),
    "formula giving an error": ("<{p}f>1/0</{p}f><{p}v>#DIV/0!</{p}v>", True, "#DIV/0!"),
}

cell_st = st.tuples(
    st.integers(1, 300),  # row
    st.integers(0, 16383),  # column
    st.sampled_from(sorted(KINDS)),
    st.booleans(),  # attribute order: r first or last
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(cell_st, max_size=12, unique_by=lambda c: (c[0], c[1])),
       prefix=st.sampled_from(["", "x:"]))
def test_scan_finds_every_formula_and_error_cell(tmp_path_factory, cells, prefix):
    folder = tmp_path_factory.mktemp("scan")
    p = prefix
    by_row: dict[int, list[str]] = {}
    formulas, errors = {}, {}
    for row, col, kind, r_first in sorted(cells):
        body, cached, error = KINDS[kind]
        attrs = [f'r="{col_letter(col)}{row}"', 's="1"'] + (['t="e"'] if error else [])
        if not r_first:
            attrs.reverse()
        by_row.setdefault(row, []).append(f'<{p}c {" ".join(attrs)}>{body.format(p=p)}</{p}c>')
        if cached is not None:
            formulas[("指標", row, col)] = cached
        if error:
            errors[("指標", row, col)] = error
    xml = "".join(f'<{p}row r="{r}">{"".join(cs)}</{p}row>' for r, cs in sorted(by_row.items()))
    scan = scan_cells(hostile.sheet_with_cells(folder, xml, prefix=p), SHEET)
    assert scan.formulas == formulas
    assert scan.errors == errors


# Not a timing test: the pass finishes in well under a second; before (a regular
# expression per cell) these took over half an hour, so a generous limit that a loaded
# machine never reaches tells the two apart.
GENEROUS = 300


def test_unclosed_cells_in_a_comment_do_not_stall_validation(tmp_path):
    path = hostile.unclosed_cells_in_comment(tmp_path)
    assert path.stat().st_size < 40_000
    done = subprocess.run([*CLI, "validate", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=GENEROUS)
    assert done.returncode == 1, done.stderr  # the 指標 sheet alone: the others are missing
    assert '"E-SHEET-MISSING"' in done.stdout and '"E-FORMULA"' not in done.stdout


def test_unclosed_sheet_elements_in_a_comment_do_not_stall_validation(tmp_path):
    path = hostile.unclosed_sheets_in_comment(tmp_path)
    done = subprocess.run([*CLI, "validate", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=GENEROUS)
    assert done.returncode == 1, done.stderr


# ---- the sheets the pass is skipped for (scan.nothing_to_find) ------------------------------

_STYLES = {3: NumberFormat(percent=1)}  # style 3 is a percent format; the others mean nothing


@st.composite
def _sheet_xml(draw) -> bytes:
    """Sheet XML written as the writers write it and in the odd ways XML allows: a cell
    may lack its reference, carry a style (the meaningful 3 among others), a type (「e」
    among others, or spelled by a character reference), a formula (prefixed or not), a
    value; attributes in either quote, with spaces around 「=」."""
    cells = []
    for _ in range(draw(st.integers(0, 8))):
        row, col = draw(st.integers(1, 12)), draw(st.integers(0, 6))
        q = draw(st.sampled_from(['"', "'"]))
        eq = draw(st.sampled_from(["=", " = "]))
        attrs = []
        ref = draw(st.sampled_from([f"{col_letter(col)}{row}", f"{col_letter(col)}0{row}", ""]))
        if ref:
            attrs.append(f"r{eq}{q}{ref}{q}")
        if draw(st.booleans()):
            attrs.insert(draw(st.integers(0, len(attrs))),
                         f"s{eq}{q}{draw(st.sampled_from(['1', '3', '03', '13', '&#51;']))}{q}")
        if draw(st.booleans()):
            attrs.append(f"t{eq}{q}{draw(st.sampled_from(['n', 's', 'e', 'str', '&#101;']))}{q}")
        prefix = draw(st.sampled_from(["", "", "x:"]))
        body = ""
        if draw(st.booleans()):
            body += f"<{prefix}f>A1</{prefix}f>"
        if draw(st.booleans()):
            body += f"<{prefix}v>{draw(st.sampled_from(['1', '0.5', '#N/A']))}</{prefix}v>"
        cells.append(f'<{prefix}row r="{row}"><{prefix}c {" ".join(attrs)}>{body}</{prefix}c></{prefix}row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return f"<worksheet {ns}><sheetData>{''.join(cells)}</sheetData></worksheet>".encode()


@settings(max_examples=400, deadline=None)
@given(_sheet_xml(), st.sampled_from([None, (5, 20), (12, 84), (2000, 200_000)]))
def test_a_sheet_skipped_is_one_the_pass_finds_nothing_in(data, limit):
    """nothing_to_find may send a clean sheet to the pass (a doubt), never skip one in
    which the pass finds a formula, an error value, a formatted number, or a cell past
    the limits."""
    from chosho_xlsx.common.findings import UnreadableFile
    from chosho_xlsx.common.limits import Limits
    from chosho_xlsx.intake.scan import CellScan, _SheetReader, nothing_to_find

    limits = Limits(*limit) if limit else None
    if not nothing_to_find(data, _STYLES, limits):
        return
    scan = CellScan()
    reader = _SheetReader("指標", scan, _STYLES, limits, "book.xlsx")
    try:
        reader.parser.Parse(data, True)
    except UnreadableFile as exc:  # pragma: no cover - the assertion below says what
        raise AssertionError(f"skipped a sheet the pass refuses: {exc.finding.code}") from None
    assert (scan.formulas, scan.errors, scan.formats) == ({}, {}, {})


def test_the_template_written_sheet_is_skipped_and_an_odd_one_is_not():
    from chosho_xlsx.common.limits import Limits
    from chosho_xlsx.intake.scan import nothing_to_find

    plain = b'<worksheet><sheetData><row r="1"><c r="A1" s="1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    assert nothing_to_find(plain, _STYLES, Limits())
    for odd in (plain.replace(b' r="A1"', b""), plain.replace(b's="1"', b's="3"'),
                plain.replace(b't="s"', b't="e"'), plain.replace(b"<v>0</v>", b"<f>1</f><v>0</v>"),
                plain.replace(b'r="A1"', b'r="A2001"'), plain.replace(b"<c ", b"<x:c ")):
        assert not nothing_to_find(odd, _STYLES, Limits()), odd


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(['t', 'e', '"', "'", "&", "=", " ", "<c ", "t=", "x", "ee", "#101;"]), max_size=30))
def test_the_error_type_search_is_skipped_only_where_it_cannot_match(parts):
    """scan._may_have_error_type answers False only for bytes _ERROR_TYPE finds nothing
    in (it saves nothing_to_find the search that tries every 「t」)."""
    from chosho_xlsx.intake.scan import _ERROR_TYPE, _may_have_error_type

    data = "".join(parts).encode()
    assert _may_have_error_type(data) or _ERROR_TYPE.search(data) is None


def _listed(data: bytes, limits) -> bool:
    """nothing_to_find's last step as it was (every reference listed by _CELL_START and
    counted): the oracle of the one search that now answers first (_unusual_cell)."""
    from chosho_xlsx.intake.scan import _CELL_START

    refs = _CELL_START.findall(data)
    if not refs:
        return True
    letters, rows = zip(*refs, strict=True)
    if b"" in letters:
        return False
    if limits is None:
        return True
    last_row = max(int(r) for r in rows)
    cols = max(col_index(c.decode()) for c in letters) + 1
    return last_row <= limits.rows_per_sheet and last_row * cols <= limits.cells_per_sheet


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "0", "00"]), st.integers(1, 10**7), st.integers(0, 20000),
                          st.sampled_from([" ", "\t", "/", ">", ""])), max_size=6),
       st.sampled_from([None, (1, 1), (5, 20), (12, 84), (2000, 200_000), (99, 99), (0, 10), (10**7, 10**9)]))
def test_the_limits_are_told_by_one_search_as_by_listing_every_reference(cells, limit):
    """nothing_to_find answers as listing every cell's reference did, whatever the rows,
    columns (to past XFD), leading zeros, limits, and cells without a reference."""
    from chosho_xlsx.common.limits import Limits
    from chosho_xlsx.intake.scan import nothing_to_find

    limits = Limits(*limit) if limit else None
    xml = "".join(f'<c r="{col_letter(c)}{z}{r}" t="s"/>' if end == "" else f"<c{end}v/>"
                  for z, r, c, end in cells)
    data = f"<worksheet><sheetData><row>{xml}</row></sheetData></worksheet>".encode()
    assert nothing_to_find(data, {}, limits) == _listed(data, limits)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([":", ":c", ":c ", ":row>", ":is/", ":f", ":v\t", "<", "x", "c", " ", ">"]),
                max_size=60), st.integers(0, 3))
def test_the_colon_led_search_answers_as_the_search(parts, tries):
    """scan._led_search (memchr to each colon, the pattern tried there) answers as
    _PREFIXED.search over the whole part, however many colons come before a match."""
    from chosho_xlsx.intake.scan import _PREFIXED, _led_search

    data = "".join(parts).encode()
    assert _led_search(data, _PREFIXED, b":", tries) == (_PREFIXED.search(data) is not None)
