"""The form's label texts (templates/layout.yaml) with their year placeholders filled
from 実施年度. No label text and no year is written in code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chosho_xlsx.common.errors import WriterError
from chosho_xlsx.common.resources import read_yaml_mapping, template_file
from chosho_xlsx.domain import fiscal


class LayoutError(WriterError, ValueError):
    """templates/layout.yaml is missing or malformed."""


@cache
def _raw(path: str) -> dict:
    return read_yaml_mapping(Path(path), LayoutError)


def year_vars(fiscal_year: int, plan_name: str = "") -> dict[str, str]:
    return {**fiscal.year_placeholders(fiscal_year), "plan": plan_name}


@dataclass(frozen=True)
class Labels:
    """The layout file for one 調書: `text("results.title")` gives the filled label."""

    data: dict
    vars: dict[str, str]

    def raw(self, key: str):
        node = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise LayoutError(f"layout.yaml: {key} is missing")
            node = node[part]
        return node

    def fill(self, template: str, **extra: object) -> str:
        try:
            return str(template).format_map({**self.vars, **extra})
        except (KeyError, IndexError, ValueError) as exc:
            raise LayoutError(f"layout.yaml: cannot fill {template!r}: {exc}") from None

    def text(self, key: str, **extra: object) -> str:
        return self.fill(self.raw(key), **extra)

    def texts(self, key: str, **extra: object) -> list:
        """A list (or list of lists) of labels, each filled."""
        value = self.raw(key)
        if not isinstance(value, list):
            raise LayoutError(f"layout.yaml: {key} should be a list")
        return [
            [self.fill(v, **extra) for v in item] if isinstance(item, list) else self.fill(item, **extra)
            for item in value
        ]

    def number(self, key: str) -> float:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LayoutError(f"layout.yaml: {key} should be a number")
        return value


def load_labels(fiscal_year: int, plan_name: str = "", path: str | Path | None = None) -> Labels:
    data = _raw(str(path or template_file("layout.yaml")))
    return Labels(data, year_vars(fiscal_year, plan_name))
