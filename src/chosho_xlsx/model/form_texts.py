"""The form's texts: its labels (form/layout.yaml) with their year placeholders filled
from 実施年度, and the cells where the 調書 joins several of a department's texts into one
(section 1's 総合計画本文 and 取組項目, section 2's 事業概要 and 成果). No label text and no
year is written in code.

Below the contract and the writers alike: the layout writes these texts, and the contract
checks that what it joins still fits in one Excel cell (crosschecks.joined_text_findings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from chosho_xlsx.common.errors import WriterError
from chosho_xlsx.common.resources import form_file, read_yaml_mapping
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import Group, Item, Project, group_mark, item_mark


class LayoutError(WriterError, ValueError):
    """form/layout.yaml is missing or malformed."""


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
    # key → its filled label, for the labels asked for without extra values (read-only
    # texts, asked for once per project by the checks and the layout)
    _filled: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

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
        if extra:
            return self.fill(self.raw(key), **extra)
        found = self._filled.get(key)
        if found is None:
            found = self._filled[key] = self.fill(self.raw(key))
        return found

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
    if not path:
        return _bundled_labels(fiscal_year, plan_name)
    return Labels(_raw(str(path)), year_vars(fiscal_year, plan_name))


@lru_cache(maxsize=64)
def _bundled_labels(fiscal_year: int, plan_name: str) -> Labels:
    """The bundled layout's labels for a year and 総合計画名, made once per process (the
    checks ask for them for every workbook)."""
    return Labels(_raw(str(form_file("layout.yaml"))), year_vars(fiscal_year, plan_name))


def plan_texts(groups: list[Group]) -> str:
    """Every 事業群's 総合計画本文, marked ①②…, in one cell of section 1."""
    return "\n".join(f"{group_mark(g.number)}{g.plan_text}" for g in groups if g.plan_text)


def item_lines(L: Labels, items: list[Item]) -> str:
    """Every 取組項目 with its 事業群, in one cell of section 1."""
    return "\n".join(
        L.text("overview.item_line", mark=item_mark(it.number), name=it.name, group=group_mark(it.group))
        for it in items
    )


def headed(head: str, body: str) -> str:
    """`body` under its heading, or nothing when there is no body."""
    return f"{head}\n{body}" if body.strip() else ""


def overview_text(L: Labels, p: Project) -> str:
    """事業内容 and 実施状況, each under its heading, in one cell."""
    return "\n".join(t for t in (headed(L.text("results.content"), p.content),
                                 headed(L.text("results.progress"), p.progress)) if t)


def outcome_text(L: Labels, p: Project) -> str:
    """事業の成果 and 目標達成への寄与, each under its heading, in one cell."""
    return "\n".join(t for t in (headed(L.text("results.results_head"), p.results),
                                 headed(L.text("results.contribution"), p.contribution)) if t)
