"""Findings: what validation reports, each at its place, in Japanese and English.

Every kind of finding has a stable code and its texts in data/messages.yaml; code here
only fills in the blanks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import yaml

from .resources import data_file

ERROR = "error"
WARNING = "warning"


@cache
def catalogue() -> dict[str, dict]:
    return yaml.safe_load(data_file("messages.yaml").read_text(encoding="utf-8"))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, part: str, lang: str, **params: object) -> str:
    """The text of one part (message, hint) of a code in a language, blanks filled."""
    entry = catalogue()[code]
    text = entry[part].get(lang) or entry[part]["ja"]
    return text.format_map(_Blank({k: "" if v is None else v for k, v in params.items()}))


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth a look) at one place.

    `place` is 「指標!H7」 for a cell, 「指標!H」 for a column, 「指標」 for a sheet, or the
    file name for the file as a whole."""

    code: str
    place: str
    value: str = ""
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def severity(self) -> str:
        return catalogue()[self.code]["severity"]

    def message(self, lang: str = "ja") -> str:
        return render(self.code, "message", lang, value=self.value, **self.params)

    def hint(self, lang: str = "ja") -> str:
        return render(self.code, "hint", lang, value=self.value, **self.params)

    @property
    def sheet(self) -> str:
        return self.place.split("!", 1)[0] if "!" in self.place else self.place

    @property
    def cell(self) -> str:
        return self.place.split("!", 1)[1] if "!" in self.place else ""

    def as_dict(self, lang: str = "ja") -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "value": self.value,
            "message": self.message(lang),
            "hint": self.hint(lang),
        }


class UnreadableFile(Exception):
    """The file cannot be read safely: exit 2, one clear sentence, no traceback."""

    def __init__(self, code: str, path: str, **params: object):
        super().__init__(code)
        self.finding = Finding(code, path, params={"path": path, **params})
