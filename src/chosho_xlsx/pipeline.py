"""One file through the stages, in one place: a path (or the bundled example) in; a
Checked out (common.findings: validate's first process unpickles and prints it without
importing this stack), its findings in reading order and its computed 調書 if it could be
built. Check the file is safe, read its values (intake), parse them against the
contract, check across sheets (contract), compute (rules). Never raises for a bad file.

Above the writers (it recognises our own outputs and reads the bundled example), below
everything that takes files through it: batch, cycle, book, portal and cli."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from chosho_xlsx.common.findings import Checked, Finding, Findings, UnreadableFile
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.contract.crosschecks import cross_checks, left_to_fill
from chosho_xlsx.contract.loader import Loaded, headers_for, load
from chosho_xlsx.contract.parsers import preview, shown
from chosho_xlsx.contract.spec import SHEET_NAMES
from chosho_xlsx.intake.package import unchecked
from chosho_xlsx.intake.reader import RawBook, book_from_rows, read_book
from chosho_xlsx.intake.safety import check_package, open_checked, open_input
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.rules.engine import compute
from chosho_xlsx.writers.outputs import stamp_of


def _as_typed(book: RawBook, f: Finding) -> Finding:
    """A cross check's finding shows its cell as the loader's findings do, as the clerk
    typed it: the checks see the number read (「00件」 → 0 件, shown 「0件」)."""
    if f.at.is_cell and f.at.sheet in book.sheets:
        raw = book.sheets[f.at.sheet].value(f.at.row, f.at.col)
        if type(raw) is str and raw.strip():
            return replace(f, value=preview(shown(raw)))
    return f


def check_book(book: RawBook, ruleset: Ruleset) -> Checked:
    loaded: Loaded = load(book, ruleset)
    findings = Findings(loaded.findings)
    if book.macros:  # never run, and dropped from every copy we write (annotate, rollover)
        findings.add(Finding.about("W-MACROS", book.source))
    report = None
    if loaded.chosho is not None:
        report = compute(loaded.chosho, ruleset)
        findings.extend(_as_typed(book, f) for f in cross_checks(loaded, report, ruleset))
        findings.extend(left_to_fill(book, report))
    headers = {name: [h if type(h) is str else shown(h) for h in sheet.rows[0]] if sheet.rows else []
               for name, sheet in book.sheets.items()}
    return Checked(book.source, sorted(findings.items, key=_reading_order), report, headers=headers)


def _reading_order(f: Finding) -> tuple:
    """Sheets in the contract's order; in a sheet, what concerns the sheet or a column
    first, then the cells row by row, left to right."""
    sheet = SHEET_NAMES.index(f.sheet) if f.sheet in SHEET_NAMES else len(SHEET_NAMES)
    if not f.at.is_cell:
        return (sheet, 0, 0, 0)
    return (sheet, 1, f.at.row, f.at.col)


def read_input(path: str | Path, limits: Limits | None = None, *, safe: bool = False) -> RawBook:
    """The contract sheets of one department workbook, read only after the safety check
    (`safe`: the caller has just made it) and within the size limits (the defaults when
    None); raises UnreadableFile (one sentence, exit 2) for anything that cannot be read."""
    with (unchecked(path) if safe else open_checked(path)) as pkg:
        return _read_checked(pkg, limits)


def _read_checked(pkg, limits: Limits | None) -> RawBook:
    """read_book of a checked Package: a parser choking on a file the safety check let
    through is E-FILE-CORRUPT, never a traceback."""
    try:
        return read_book(pkg, SHEET_NAMES, limits or Limits())
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile("E-FILE-CORRUPT", pkg.where, reason=type(exc).__name__) from None


def check_file(path: str | Path, ruleset: Ruleset) -> Checked:
    """Validate one department workbook; never raises for a bad file. The file is opened
    once: the output marker, the safety check, the values and the cell scan all read
    through the one Package (intake.package)."""
    try:
        with open_input(path) as pkg:
            kind, _untouched = stamp_of(pkg.zip)
            if kind:  # a 調書 or 一覧 of ours, however it was renamed, is never an input to check
                raise UnreadableFile("E-FILE-OUTPUT", str(path), kind=kind)
            check_package(pkg)
            book = _read_checked(pkg, ruleset.limits)
    except UnreadableFile as exc:
        return Checked(str(path), [exc.finding], None, unreadable=True)
    return check_book(book, ruleset)


@dataclass(frozen=True)
class Bundled:
    """The bundled example as an input of the batch, like any workbook: `chosho-xlsx
    build` with no input builds it (cli.build). Messages name it 「example」."""

    name: str = "example"

    def __str__(self) -> str:
        return self.name


def check_input(source: str | Path | Bundled, ruleset: Ruleset) -> Checked:
    """check_file, or check_book of the bundled example."""
    if isinstance(source, Bundled):
        return check_book(example_book(), ruleset)
    return check_file(source, ruleset)


def example_book() -> RawBook:
    """The bundled example (the seed 調書) as a RawBook, as if read from its workbook."""
    # lazy: the input workbook's writer (openpyxl, ~0.4 s) only when one is written
    from chosho_xlsx.writers.example import load_example_rows, plan_of

    rows = load_example_rows()
    year, plan = plan_of(rows)
    fy = fiscal.parse_year(year)
    period = fiscal.parse_period(plan)
    return book_from_rows(rows, headers_for(fy, period.start, period.end), "example")
