"""The sentences of `rollover` and `diff`, from data/cycle.yaml (ja first, en)."""

from __future__ import annotations

from chosho_xlsx.common.sentences import lookup


def text(key: str, lang: str = "ja", /, **params: object) -> str:
    return lookup("cycle.yaml", key, lang, params)
