"""The year's figures as open data (`chosho-xlsx export`): department workbooks and built
調書 (through the input stored inside them, checked as `rollover` checks it) in; the CSV,
JSON and JSON Schema of writers/opendata out, or nothing at all when an input cannot be
used (the caller lists why). Beside publish: both are what a year publishes, in the same
order (基本戦略, 施策)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chosho_xlsx.book.publish import PublishError, Source, book_order
from chosho_xlsx.common.errors import EXIT_CONTENT
from chosho_xlsx.common.findings import Checked
from chosho_xlsx.cycle.sources import open_checked
from chosho_xlsx.intake.files import expand
from chosho_xlsx.model.chosho import policy_key
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.writers.opendata import write_open_data
from chosho_xlsx.writers.outputs import CHOSHO, written_by_us


@dataclass
class Exported:
    written: list[Path] = field(default_factory=list)
    failed: list[Checked] = field(default_factory=list)  # inputs with errors or unreadable
    reports: int = 0


def _inputs(files: list[Path]) -> list[Path]:
    """The files named and the workbooks in the folders named, less our 一覧 and
    評価結果概要 (a 調書 is an input: its stored input is read); one of those named is
    PublishError."""
    named = {p for p in files if not p.is_dir()}
    for p in named:  # named by hand: say what it is rather than 「シート「調書」がありません」
        if p.is_file() and written_by_us(p) not in (None, CHOSHO):
            raise PublishError("export.not-an-input", path=p)
    return [p for p in expand(files) if p in named or written_by_us(p) in (None, CHOSHO)]


def export(files: list[Path], folder: Path, ruleset: Ruleset) -> Exported:
    """Write the open data of every input into `folder`; nothing when one of them has an
    error or cannot be read (Exported.failed). Raises PublishError for no input and for
    two inputs of one 施策 and 実施年度."""
    paths = _inputs(files)
    if not paths:
        raise PublishError("inputs.none")
    result = Exported()
    found: list[tuple[Source, object]] = []
    seen: dict[tuple[int, str], Path] = {}
    duplicate: PublishError | None = None  # raised after every input was read: an unreadable one is worse
    for path in paths:
        checked, _book, _chosho = open_checked(path, ruleset, chosho=True)
        if checked.report is None or checked.errors:
            result.failed.append(checked)
            continue
        c = checked.report.chosho
        key = policy_key(c.fiscal_year, c.policy)
        if key in seen:
            duplicate = duplicate or PublishError("publish.duplicate", EXIT_CONTENT, first=seen[key], second=path)
            continue
        seen[key] = path
        found.append((Source(path, "chosho", c.fiscal_year, c.strategy, c.policy), checked.report))
    if result.failed:
        return result
    if duplicate is not None:
        raise duplicate
    found.sort(key=lambda sr: book_order(sr[0]))
    result.written = write_open_data([r for _, r in found], folder)
    result.reports = len(found)
    return result
