"""How a typed text is compared, each rule in one place: what counts as a blank cell,
the NFKC folding every stage applies to what a clerk typed (全角 digits and letters,
「％」, the ideographic space), and the 全角 digits the form prints its years with.

NFKC is for comparing and parsing only; department text is written as it was typed."""

from __future__ import annotations

import re
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


def path_text(path: str) -> str:
    """A file's path as text every output can carry (a terminal, JSON, a cell of the
    一覧). A name whose bytes are not UTF-8 (a Windows zip unpacked on Linux keeps its
    names in CP932) comes from the OS with those bytes as lone surrogates, which no
    UTF-8 output takes: each such part of the path is read as CP932 where it decodes
    so into ordinary characters (「検証.xlsx」, what the clerk named it), else shown byte
    by byte (「a\\xff.xlsx」). The path itself is kept for opening the file; this is only
    how it is shown."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return re.sub(r"[^/\\]+", _part_text, path)


def _part_text(match: re.Match) -> str:
    part = match.group()
    try:
        part.encode("utf-8")
        return part
    except UnicodeEncodeError:
        raw = part.encode("utf-8", "surrogateescape")
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        text = ""
    # Python's cp932 gives 0x80 and 0xA0, 0xFD–0xFF as controls and private-use
    # characters: bytes of some other encoding, not a name in CP932
    if text and not any(c > "\x7f" and unicodedata.category(c) in ("Cc", "Co") for c in text):
        return text
    return raw.decode("utf-8", "backslashreplace")


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
