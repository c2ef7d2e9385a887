"""The sentences of `rollover` and `diff`, from data/cycle.yaml (ja first, en)."""

from __future__ import annotations

from functools import cache

from chosho_xlsx.common.resources import data_file, load_yaml


@cache
def _texts() -> dict[str, dict[str, str]]:
    return load_yaml(data_file("cycle.yaml").read_text(encoding="utf-8"))


def text(key: str, lang: str = "ja", **params: object) -> str:
    entry = _texts()[key]
    return (entry.get(lang) or entry["ja"]).format(**params)
