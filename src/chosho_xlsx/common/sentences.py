"""Sentences kept as data, Japanese first (English with --lang en): data/sentences.yaml for
build and publish, data/cycle.yaml for rollover and diff. The catalogue of validation
findings, with its hints and codes, is messages.yaml (common.findings)."""

from __future__ import annotations

from functools import cache

from chosho_xlsx.common.resources import data_file, load_yaml

SENTENCES = "sentences.yaml"


@cache
def catalogue(name: str) -> dict[str, dict[str, str]]:
    return load_yaml(data_file(name).read_text(encoding="utf-8"))


def lookup(name: str, key: str, lang: str, params: dict) -> str:
    """The sentence `key` of data/`name` in `lang` (Japanese where it has no other),
    its blanks filled in."""
    entry = catalogue(name)[key]
    return (entry.get(lang) or entry["ja"]).format(**params)


def text(key: str, lang: str = "ja", /, **params: object) -> str:
    return lookup(SENTENCES, key, lang, params)


def both(key: str, /, **params: object) -> str:
    """「ja / en」: the sentence for a moment the language is not known yet, or for a
    command that speaks both."""
    return f"{text(key, 'ja', **params)} / {text(key, 'en', **params)}"
