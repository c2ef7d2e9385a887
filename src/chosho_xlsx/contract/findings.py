"""Findings: what validation reports, each at its place, in Japanese and English.

Every kind of finding has a stable code and its texts in data/messages.yaml; code here
only fills in the blanks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from chosho_xlsx.common.addresses import CELL_RE
from chosho_xlsx.common.resources import data_file, load_yaml

ERROR = "error"
WARNING = "warning"


@cache
def catalogue() -> dict[str, dict]:
    return load_yaml(data_file("messages.yaml").read_text(encoding="utf-8"))


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


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth a look) at one place.

    `place` is 「指標!H7」 for a cell, 「指標!R7目標」 (sheet and header) for a column or a
    調書 item, 「指標」 for a sheet, or the file name for the file as a whole (the codes
    E-FILE-*)."""

    code: str
    place: str
    value: str = ""
    params: dict = field(default_factory=dict, compare=False, hash=False)

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
        return self.code.startswith("E-FILE-")

    @property
    def sheet(self) -> str:
        if self.about_file:
            return ""
        return self.place.split("!", 1)[0] if "!" in self.place else self.place

    @property
    def cell(self) -> str:
        """「H7」 for a cell finding, else ''."""
        rest = self.place.split("!", 1)[1] if "!" in self.place and not self.about_file else ""
        return rest if CELL_RE.match(rest) else ""

    @property
    def column(self) -> str:
        """The header (or 調書 item) a finding without a cell names, else ''."""
        rest = self.place.split("!", 1)[1] if "!" in self.place and not self.about_file else ""
        return "" if CELL_RE.match(rest) else rest

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


def one_per_cell(findings: list[Finding]) -> list[Finding]:
    """At most one finding per cell (an error wins over a warning, else the first one
    found), and no finding twice; order kept."""
    out: list[Finding | None] = []
    at: dict[str, int] = {}
    seen: set[tuple[str, str, str]] = set()
    for f in findings:
        if f.cell:
            i = at.get(f.place)
            if i is None:
                at[f.place] = len(out)
                out.append(f)
            elif f.severity == ERROR and out[i].severity != ERROR:
                out[i] = f
            continue
        key = (f.code, f.place, f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return [f for f in out if f is not None]


class Verdict:
    """What an input's findings add up to; mixed into the result records that carry
    `findings` and `unreadable` (pipeline.Checked, batch.Outcome)."""

    findings: list[Finding]
    unreadable: bool

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.unreadable and not self.errors


class UnreadableFile(Exception):
    """The file cannot be read safely: exit 2, one clear sentence, no traceback."""

    def __init__(self, code: str, path: str, **params: object):
        super().__init__(code)
        self.finding = Finding(code, path, params={"path": path, **params})
