"""The portal's sentences: the `portal.*` entries of data/sentences.yaml (Japanese; the
portal speaks Japanese only), so that no sentence is written inline in its code."""

from __future__ import annotations

from chosho_xlsx.common.sentences import text


def say(key: str, /, **params: object) -> str:
    """The portal sentence `key` (without its `portal.` prefix), its blanks filled in."""
    return text(f"portal.{key}", "ja", **params)
