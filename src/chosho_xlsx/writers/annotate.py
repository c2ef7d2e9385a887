"""`validate --annotate OUT.xlsx`: a copy of the department's workbook with every finding
at its cell, so a clerk sees where to look in Excel.

Each faulty cell gets a fill (red for an error, yellow for a warning) and a comment with
the message and the hint. A finding without a cell (a missing column, a missing 調書
item) goes on A1 of its sheet; one whose sheet is missing, or about the whole file, on
A1 of the first sheet. The original is only read; the copy is saved atomically, so OUT
is either complete or not there."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape  # nosec B406  # escapes text we write, parses nothing

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.errors import WriterError
from chosho_xlsx.common.findings import ERROR, Finding
from chosho_xlsx.common.sentences import both
from chosho_xlsx.intake.reader import match_sheet
from chosho_xlsx.writers.outputs import same_file
from chosho_xlsx.writers.quoting import needs_quote

ERROR_FILL = "FFC7CE"  # Excel's light red ("Bad")
WARNING_FILL = "FFEB9C"  # Excel's light yellow ("Neutral")
AUTHOR = "chosho-xlsx validate"
COMMENT_WIDTH = 360  # points; wide enough for a Japanese message and hint
LINE_HEIGHT = 16


class AnnotateError(WriterError):
    """The copy cannot be written; the message is one sentence for the user."""


def _text(findings: list[Finding], lang: str) -> str:
    parts = []
    for f in findings:
        where = f"（{f.column}）" if f.column else ""
        parts.append(f"[{f.code}]{where} {f.message(lang)}\n→ {f.hint(lang)}")
    return "\n\n".join(parts)


def _places(findings: Iterable[Finding], sheet_names: list[str]) -> dict[tuple[str, str], list[Finding]]:
    """(sheet, cell) → its findings, errors first."""
    first = sheet_names[0]
    out: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        found = match_sheet(f.sheet, sheet_names) if f.sheet else None  # 「指標」 saved as 「指標 」
        sheet = found or first
        cell = f.cell if f.cell and found else "A1"
        out.setdefault((sheet, cell), []).append(f)
    for items in out.values():
        items.sort(key=lambda f: f.severity != ERROR)
    return out


def annotate(source: str | os.PathLike, findings: list[Finding], target: str | os.PathLike,
             lang: str = "ja") -> Path:
    """Write `target`: `source` with its findings marked. `source` is never written."""
    src, out = Path(source), Path(target)
    if same_file(src, out):
        raise AnnotateError(
            f"注記付きの写しを元のファイルと同じ名前で保存することはできません / "
            f"the annotated copy cannot overwrite the original: {out}"
        )
    wb = open_copy(src)
    worksheets = [ws.title for ws in wb.worksheets]  # not chartsheets: they have no cells
    if not worksheets:
        raise AnnotateError(f"{both('annotate.no-worksheet')}: {src}")
    _quote_formula_like_text(wb)
    _mark(wb, _places(findings, worksheets), lang)
    save_copy(src, wb, out)
    return out


def open_copy(src: Path):
    """The workbook to change into a copy (its macros never copied: a plain workbook);
    AnnotateError when openpyxl cannot read what the reader could."""
    # lazy: openpyxl (~0.4 s) only when a workbook is opened or written here
    from openpyxl import load_workbook

    if _opendocument(src):  # openpyxl reads and writes Office Open XML only
        raise AnnotateError(f"{both('annotate.ods')}: {src}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions
            return load_workbook(src, keep_vba=False, rich_text=True)  # macros never copied (W-MACROS)
    except Exception as exc:  # the values were read; openpyxl still may not cope
        raise AnnotateError(
            f"注記付きの写しを作れません（{type(exc).__name__}） / "
            f"cannot make the annotated copy ({type(exc).__name__}): {src}"
        ) from None


def _opendocument(src: Path) -> bool:
    """Whether `src` is an OpenDocument package (an .ods), by its first part's name."""
    try:
        with open(src, "rb") as fh:
            head = fh.read(38)
    except OSError:
        return False
    return head[:4] == b"PK\x03\x04" and head[30:38] == b"mimetype"


def _mark(wb, places: dict[tuple[str, str], list[Finding]], lang: str) -> None:
    """Each place's fill (its worst finding's colour) and comment; a comment the cell
    already had is kept under ours, so nothing the department wrote is lost."""
    # lazy: openpyxl (~0.4 s) only when a workbook is opened or written here
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    fills = {
        sev: PatternFill(fill_type="solid", start_color=color, end_color=color)
        for sev, color in ((ERROR, ERROR_FILL), ("warning", WARNING_FILL))
    }
    for (sheet, ref), items in places.items():
        cell = wb[sheet][ref]
        if type(cell).__name__ == "MergedCell":  # inside a merged range: its top-left
            for rng in wb[sheet].merged_cells.ranges:
                if ref in rng:
                    cell = wb[sheet].cell(rng.min_row, rng.min_col)
                    break
        text = _text(items, lang)
        if cell.comment is not None:
            text = f"{text}\n\n――\n{cell.comment.text}"
        comment = Comment(text, AUTHOR)
        comment.width = COMMENT_WIDTH
        comment.height = LINE_HEIGHT * min(40, 2 + sum(1 + len(line) // 24 for line in text.splitlines()))
        cell.comment = comment
        cell.fill = fills[items[0].severity]


def save_copy(src: Path, wb, out: Path) -> None:
    """`wb` saved atomically to `out`, its formulas with the values saved in `src`."""
    # lazy: the input workbook's writer (openpyxl, ~0.4 s) only when one is written
    from chosho_xlsx.writers.input_workbook import save_reproducibly

    try:
        cached = _cached_values(src, wb)
        # Saved in memory first: openpyxl saving to a file leaves, on a full disk, a
        # ZipFile whose destructor prints a traceback after our one sentence.
        buffer = io.BytesIO()
        save_reproducibly(wb, buffer)  # the same copy, the same bytes (wb.save stamps the time)
        with atomic_path(out) as tmp:
            if cached:
                _write_with_cached(buffer, tmp, {ws.path.lstrip("/"): cached[ws.title]
                                                 for ws in wb.worksheets if ws.title in cached})
            else:
                tmp.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise AnnotateError(
            f"注記付きの写しを保存できません（{exc.strerror or exc}） / "
            f"cannot save the annotated copy ({exc.strerror or exc}): {out}"
        ) from None


def _quote_formula_like_text(wb) -> None:
    """The quote prefix on every text that someone editing the copy would turn into a
    formula (a workbook not saved by Excel may lack it); it changes nothing shown."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "s" and isinstance(cell.value, str) and not cell.quotePrefix \
                        and needs_quote(cell.value):
                    cell.quotePrefix = True


# ---- the department's formulas keep their saved values ----------------------------------
# openpyxl writes a formula without the value Excel saved with it (<f>…</f><v />), so a
# viewer that does not recalculate would show the copy's formula cells empty and the
# values would differ from the original's. The copy gets the original's values back.


def _cached_values(src: Path, wb) -> dict[str, dict[str, object]]:
    """{sheet: {cell: value saved in the original}} of every formula cell ({} without
    formulas, the usual case, and then the original is not read again)."""
    # lazy: openpyxl (~0.4 s) only when a workbook is opened or written here
    from openpyxl import load_workbook

    cells = {ws.title: [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
             for ws in wb.worksheets}
    cells = {k: v for k, v in cells.items() if v}
    if not cells:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = load_workbook(src, data_only=True, read_only=False)
    return {sheet: {ref: values[sheet][ref].value for ref in refs} for sheet, refs in cells.items()}


def _xml_value(value: object) -> tuple[str, str] | None:
    """(the cell's t attribute, the <v> text) of a saved value; None for none."""
    # lazy: openpyxl (~0.4 s) only when a workbook is opened or written here
    from openpyxl.utils.datetime import to_excel

    if value is None:
        return None
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return "", repr(float(to_excel(value)))
    if isinstance(value, int | float):
        return "", repr(value)
    text = str(value)
    if text in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"):
        return ' t="e"', text
    return ' t="str"', escape(text)


_FORMULA_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)>(<f[^>]*/>|<f[^>]*>.*?</f>)<v\s*/>(</c>)', re.S)


def _write_with_cached(saved: io.BytesIO, target: Path, values: dict[str, dict[str, object]]) -> None:
    """The zip in `saved` written to `target`, the formula cells of the parts named in
    `values` given their values."""

    def fill(part_values: dict[str, object]):
        def one(m: re.Match) -> str:
            xml = _xml_value(part_values.get(m[1]))
            if xml is None or " t=" in m[2]:
                return m[0]
            return f'<c r="{m[1]}"{m[2]}{xml[0]}>{m[3]}<v>{xml[1]}</v>{m[4]}'
        return one

    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in values:
                data = _FORMULA_CELL.sub(fill(values[info.filename]), data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
