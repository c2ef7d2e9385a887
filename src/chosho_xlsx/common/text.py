"""How a typed text is compared, each rule in one place: what counts as a blank cell,
the NFKC folding every stage applies to what a clerk typed (全角 digits and letters,
「％」, the ideographic space), and the 全角 digits the form prints its years with.

NFKC is for comparing and parsing only; department text is written as it was typed."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from chosho_xlsx.common.errors import WriterError

_ZENKAKU = str.maketrans("0123456789", "０１２３４５６７８９")


def is_blank(raw: object) -> bool:
    """A cell with nothing in it, or only spaces."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def folded(text: str) -> str:
    """`text` after NFKC, without the spaces around it: 「　Ｒ６ 」 → 「R6」."""
    return unicodedata.normalize("NFKC", text).strip()


def squeezed(text: str) -> str:
    """`text` after NFKC and without any space at all, for names that must match
    whatever spacing was typed: 「R5 実績」 and 「Ｒ５実績」 → 「R5実績」."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def zenkaku_digits(text: str) -> str:
    """The ASCII digits of `text` as 全角 ones, as the form prints years: 「R6」 → 「R６」."""
    return text.translate(_ZENKAKU)


# Excel's limit on the text of one cell, in UTF-16 code units.
EXCEL_TEXT_MAX = 32_767


def excel_length(text: str) -> int:
    """The length of `text` as Excel counts it: UTF-16 code units, so a character
    outside the Basic Multilingual Plane (an emoji, some rare kanji) counts 2."""
    return len(text.encode("utf-16-le")) // 2


class TextTooLong(WriterError, ValueError):
    """A text for a cell we write is longer than a cell holds."""


def cell_text(text: str, where: str | Callable[[], str]) -> str:
    """`text` to be written into cell `where` of a workbook we write. XlsxWriter cuts a
    longer text at 32,767 characters without a word (and counts an emoji as one);
    validation refuses such input cells, and this stops a text put together from
    several of them from being cut short in an official report. `where` may be a
    function giving the cell's name, called only for the error (a 調書 writes ~500 texts)."""
    if len(text) <= EXCEL_TEXT_MAX // 2:  # at most 2 UTF-16 units a character: it fits
        return text
    length = excel_length(text)
    if length > EXCEL_TEXT_MAX:
        place = where if isinstance(where, str) else where()
        raise TextTooLong(f"{place}: {length:,} characters, more than a cell holds ({EXCEL_TEXT_MAX:,})")
    return text
