"""The blank template as a clerk opens and prints it (issue 8 item 17): required columns
marked and explained, headers that fit their columns, the example workbook pointed at,
landscape one page wide."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from chosho_xlsx.contract import spec as contract
from chosho_xlsx.writers.input_workbook import (
    GUIDE_SHEET,
    HEADER_FILL,
    REQUIRED_FILL,
    REQUIRED_PROMPT,
    write_input_workbook,
)
from chosho_xlsx.writers.layout import measure

R6, R3, R7 = 2024, 2021, 2025


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    p = tmp_path_factory.mktemp("tpl") / "blank.xlsx"
    write_input_workbook(p, R6, R3, R7)
    return p


@pytest.fixture(scope="module")
def wb(path):
    return openpyxl.load_workbook(path)


def required(col: contract.Column) -> bool:
    return col.required or col.required_unless is not None


def test_required_columns_are_marked(wb):
    marked = {}
    for sheet in contract.sheets(R6, R3, R7):
        if sheet.kind == contract.KEYVALUE:
            continue
        ws = wb[sheet.name]
        for i, col in enumerate(sheet.columns, start=1):
            head = ws.cell(row=1, column=i)
            assert head.value == col.header  # the header text is the contract's, unchanged
            fill = REQUIRED_FILL if required(col) else HEADER_FILL
            assert head.fill.fgColor.rgb.endswith(fill.fgColor.rgb[-6:]), (sheet.name, col.header)
            dv = next(dv for dv in ws.data_validations.dataValidation if f"{get_column_letter(i)}1" in str(dv.sqref).split()
                      or any(f"{get_column_letter(i)}1" in str(r) for r in dv.sqref.ranges))
            assert dv.prompt.startswith(REQUIRED_PROMPT) == required(col), (sheet.name, col.header)
            marked.setdefault(sheet.name, []).append(required(col))
    assert marked["指標"][:4] == [True, True, True, True]
    assert marked["事業"][3:5] == [False, False]  # 中核事業, 参考


def test_required_items_of_the_chosho_sheet_are_marked(wb):
    ws = wb["調書"]
    by_key = {k["key"]: k for k in contract.keyvalue_keys()}
    for row in ws.iter_rows(min_row=2, max_col=1):
        cell = row[0]
        fill = REQUIRED_FILL if by_key[cell.value].get("required") else None
        got = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
        assert (got[-6:] if got else None) == (fill.fgColor.rgb[-6:] if fill else None), cell.value


def test_guide_explains_the_marks_and_points_at_the_example(wb):
    text = "\n".join(str(c.value) for c in wb[GUIDE_SHEET]["A"] if c.value)
    assert "見出しがオレンジ色の列は必須です" in text
    assert "記入例のブック" in text and "chosho-xlsx example" in text


def test_headers_fit_their_columns_on_one_line(wb):
    """No header wraps mid-word (「事業群番/号」): each column is at least as wide as its
    header in bold, measured as the 調書 is measured."""
    for sheet in contract.sheets(R6, R3, R7):
        ws = wb[sheet.name]
        for i, col in enumerate(sheet.columns, start=1):
            width = ws.column_dimensions[get_column_letter(i)].width
            assert width >= measure.one_line_width(col.header, 11 * 1.1), (sheet.name, col.header, width)
            assert width >= col.width
        assert ws.row_dimensions[1].height <= 20, sheet.name  # one line


def test_data_sheets_print_landscape_one_page_wide(wb):
    for sheet in contract.sheets(R6, R3, R7):
        ws = wb[sheet.name]
        assert ws.page_setup.orientation == "landscape", sheet.name
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1", sheet.name
    # the 事業 sheet (some 40 columns) on A3, the paper of the 調書; the others on A4
    papers = {s.name: wb[s.name].page_setup.paperSize for s in contract.sheets(R6, R3, R7)}
    assert {name for name, paper in papers.items() if str(paper) == "8"} == {"事業"}
    assert {str(p) for p in papers.values()} == {"8", "9"}


@pytest.mark.libreoffice
def test_blank_template_prints_on_few_pages(path, tmp_path):
    """Printed through LibreOffice it was 23 portrait pages; now the guide and one page
    per sheet."""
    from support.skips import missing_tools

    why = missing_tools()
    if why:
        pytest.skip(f"missing: {', '.join(why)}")
    from chosho_xlsx.render.preview import preview

    result = preview(path, tmp_path)
    pdf = next(p for p in result.paths if p.suffix == ".pdf")
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages == 9  # 説明 2 pages + 7 sheets of one page each
