"""Findings: what validation reports, each at its place, in Japanese and English.

Every kind of finding has a stable code and its texts in data/messages.yaml; code here
only fills in the blanks. Where a finding is travels as data (Location: sheet, row,
column, header, or the file), so that nothing parses a place string back; and every
stage adds its findings to one collector (Findings), the one home of the rule "one
finding per cell"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from chosho_xlsx.common import addresses
from chosho_xlsx.common.errors import IntakeError
from chosho_xlsx.common.sentences import catalogue as data_catalogue
from chosho_xlsx.common.text import path_text

ERROR = "error"
WARNING = "warning"


def catalogue() -> dict[str, dict]:
    """data/messages.yaml, read once (through the loader of every sentence file)."""
    return data_catalogue("messages.yaml")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, part: str, lang: str, **params: object) -> str:
    """The text of one part (message, hint) of a code in a language, blanks filled."""
    entry = catalogue()[code]
    text = entry[part].get(lang) or entry[part]["ja"]
    return text.format_map(_Blank({k: "" if v is None else v for k, v in params.items()}))


# A finding about a 調書 item (実施年度, 施策名 …) names it before the message: the cell
# alone (調書!B2) does not tell the clerk which item it is.
ITEM_PREFIX = {"ja": "{item}：", "en": "{item}: "}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is, as data: the place string (「指標!H7」) is derived from it,
    never parsed back.

    - a cell: `sheet`, `row` (1-based, as Excel shows it) and `col` (0-based, the index
      in a row as read; common/addresses turns it into letters);
    - a column or 調書 item that has no cell (a missing column, a missing item):
      `sheet` and `header` (「指標!R7目標」, 「調書!実施年度」);
    - a sheet: `sheet` alone (「指標」);
    - the file as a whole (the codes E-FILE-*): `file`, the name the user knows it by."""

    sheet: str = ""
    row: int | None = None
    col: int | None = None
    header: str = ""
    file: str = ""

    @property
    def is_cell(self) -> bool:
        return self.row is not None and self.col is not None

    @property
    def ref(self) -> str:
        """「H7」 for a cell, else ''."""
        return addresses.cell_ref(self.row, self.col) if self.is_cell else ""

    @property
    def place(self) -> str:
        if self.file:
            return self.file
        if self.is_cell:
            return addresses.place(self.sheet, self.row, self.col)
        return f"{self.sheet}!{self.header}" if self.header else self.sheet


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth a look) at one place (`at`)."""

    code: str
    at: Location
    value: str = ""
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def about(cls, code: str, path: str, **params: object) -> Finding:
        """A finding about the file as a whole (E-FILE-*), named `path` in its place and
        in its message."""
        return cls(code, Location(file=path), params={"path": path, **params})

    def named(self, name: str) -> Finding:
        """The same finding about a file, under the name the user knows the file by (a
        worker reads a temporary copy; the server's path is nobody's business)."""
        return replace(self, at=Location(file=name), params={**self.params, "path": name})

    @property
    def place(self) -> str:
        """「指標!H7」 for a cell, 「指標!R7目標」 (sheet and header) for a column or a
        調書 item, 「指標」 for a sheet, or the file name for the file as a whole."""
        return self.at.place

    @property
    def severity(self) -> str:
        return catalogue()[self.code]["severity"]

    def message(self, lang: str = "ja") -> str:
        text = render(self.code, "message", lang, value=self.value, **self.params)
        item = self.params.get("item")
        if not item or text.startswith(item):
            return text
        return (ITEM_PREFIX.get(lang) or ITEM_PREFIX["ja"]).format(item=item) + text

    def hint(self, lang: str = "ja") -> str:
        return render(self.code, "hint", lang, value=self.value, **self.params)

    @property
    def about_file(self) -> bool:
        """The file as a whole (cannot be read): no sheet, no cell."""
        return bool(self.at.file)

    @property
    def sheet(self) -> str:
        return self.at.sheet

    @property
    def cell(self) -> str:
        """「H7」 for a cell finding, else ''."""
        return self.at.ref

    @property
    def column(self) -> str:
        """The header (or 調書 item) a finding without a cell names, else ''."""
        return self.at.header

    def as_dict(self, lang: str = "ja") -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "place": self.place,
            "sheet": self.sheet,
            "cell": self.cell,
            "column": self.column,
            "value": self.value,
            "message": self.message(lang),
            "hint": self.hint(lang),
        }


class Findings:
    """Findings collected in the order found, at most one per cell: the first problem at
    a cell is the one to fix, except that an error replaces a warning (a formula's cached
    value that cannot be read is an error, not just W-FORMULA). A finding without a cell
    (a sheet, a column, the file) is kept once per code, place and value. Every stage
    adds to one of these, so the rule is applied in one place."""

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        self.items: list[Finding] = []
        self._cells: dict[Location, int] = {}
        self._seen: set[tuple[str, Location, str]] = set()
        self.extend(findings)

    def add(self, finding: Finding) -> None:
        if finding.at.is_cell:
            at = self._cells.get(finding.at)
            if at is None:
                self._cells[finding.at] = len(self.items)
                self.items.append(finding)
            elif finding.severity == ERROR and self.items[at].severity != ERROR:
                self.items[at] = finding
            return
        key = (finding.code, finding.at, finding.value)
        if key not in self._seen:
            self._seen.add(key)
            self.items.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)


class Verdict:
    """What an input's findings add up to; mixed into the result records that carry
    `findings` and `unreadable` (Checked, batch.Outcome)."""

    findings: list[Finding]
    unreadable: bool

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.unreadable and not self.errors


class UnreadableFile(IntakeError):
    """The file cannot be read safely: exit 2, one clear sentence, no traceback."""

    def __init__(self, code: str, path: str, **params: object):
        super().__init__(code)
        self.finding = Finding.about(code, path, **params)

    def message(self, lang: str = "ja") -> str:
        return self.finding.message(lang)


@dataclass
class Checked(Verdict):
    """One input after validation (pipeline.check_file): its findings, and its report if
    it could be built. Here, with the findings, not in pipeline: validate's first process
    unpickles its workers' Checked and prints them without importing the reading stack."""

    source: str
    findings: list[Finding] = field(default_factory=list)
    # its model.chosho.Report, typed loosely: common sits below model, and the layers'
    # contract counts a typing-only import as an arrow too
    report: object | None = None
    unreadable: bool = False
    # sheet → its row-1 headers as read, so that a cell finding can name its column
    headers: dict[str, list[str]] = field(default_factory=dict)

    def header_of(self, f: Finding) -> str:
        """The header of the column a finding is in: the missing column's name, or the
        row-1 header above a cell, the item of a 調書 cell ('' for a sheet or a file)."""
        if f.params.get("item"):
            return f.params["item"]
        if not f.at.is_cell:
            return f.column
        names = self.headers.get(f.sheet, [])
        return names[f.at.col] if f.at.col < len(names) else ""


JSON_VERSION = 1


def finding_dict(r: Checked, f: Finding, lang: str) -> dict:
    """One finding as JSON: Finding.as_dict, with `column` naming the header above a
    cell too (事業!B5 → 事業群番号)."""
    d = f.as_dict(lang)
    d["column"] = r.header_of(f)
    return d


def findings_json(results: list[Checked], lang: str) -> str:
    """The documented shape (README「validate --format json」): stable keys, one object
    per file, findings in reading order (sheet by sheet, row by row)."""
    # lazy: json only where JSON is written (the text of a validate needs none)
    import json

    files = []
    for r in results:
        files.append(
            {
                "file": path_text(r.source),
                "readable": not r.unreadable,
                "valid": r.ok,
                "errors": len(r.errors),
                "warnings": len(r.findings) - len(r.errors),
                "findings": [finding_dict(r, f, lang) for f in r.findings],
            }
        )
    return json.dumps({"version": JSON_VERSION, "files": files}, ensure_ascii=False, indent=2) + "\n"
