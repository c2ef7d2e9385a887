"""File names of the finished 調書, from their content: 「R6_ICTを活用した….xlsx」.

Safe on Windows: none of \\ / : * ? " < > | or control characters, no trailing dot or
space, not a reserved device name (CON, PRN, AUX, NUL, COM1…, LPT1…). Short enough
everywhere: at most 100 characters (Windows counts a whole path against 260, which
leaves 160 for the folder) and at most 240 bytes in UTF-8 (Linux and macOS allow 255
per name; 83 kanji are already 249, and the atomic writer's temporary name needs a few
more). A name cut to fit ends in 「~」 and 8 hex digits of a hash of the whole name, so
two long 施策 that begin alike keep distinct names that do not depend on input order.

Every file name we send or write comes through here (safe_stem, file_name), whatever it
is made from (a 施策名, an uploaded file's name): control characters (Unicode Cc, CR and
LF included) and path separators become 「_」, and format characters (Cf: the
right-to-left override U+202E, zero-width spaces …) are removed, so that the name shown
is the name it is (「invoice\u202excod.hta」 cannot pass for 「invoice.doc…」)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import Report

MAX_CHARS = 100
MAX_BYTES = 240
EXTENSION = ".xlsx"
_HASH_CHARS = 8
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f]')  # Windows' and Cc
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _cut(text: str, chars: int, nbytes: int) -> str:
    """The longest beginning of `text` within `chars` characters and `nbytes` bytes."""
    text = text[:chars]
    while _size(text) > nbytes:
        text = text[: max(0, len(text) - max(1, (_size(text) - nbytes) // 4))]
    return text


def fit(stem: str, tail: str = "", chars: int = MAX_CHARS, nbytes: int = MAX_BYTES) -> str:
    """`stem` + `tail` within `chars` characters and `nbytes` UTF-8 bytes; a stem that
    must be cut keeps its beginning and gets 「~」 + a hash of the whole stem."""
    chars, nbytes = chars - len(tail), nbytes - _size(tail)
    if len(stem) <= chars and _size(stem) <= nbytes:
        return stem + tail
    digest = hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    room = _HASH_CHARS + 1
    return _cut(stem, chars - room, nbytes - room).rstrip(". ") + "~" + digest + tail


def safe_stem(text: str, limit: int = MAX_CHARS - len(EXTENSION)) -> str:
    """`text` made usable as a file name on Windows (without the extension): at most
    `limit` characters, and short enough in bytes that the extension still fits."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _UNSAFE.sub("_", text)
    # no hidden file, and no space left in front once the dots are gone (「. :」)
    text = re.sub(r"\s+", " ", text).strip().rstrip(". ").lstrip(". ")
    if not text:
        text = "chosho"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return fit(text, "", limit, MAX_BYTES - len(EXTENSION))


def file_name(name: str) -> str:
    """A name to send or write a file under, from any text (what a browser said an
    upload was called, a 施策名 with an extension): its extension, when it looks like
    one (「.xlsx」, 「.pdf」), kept; the rest made safe as safe_stem does."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 1 <= len(ext) <= 5 and ext.isascii() and ext.isalnum():
        return safe_stem(stem, MAX_CHARS - len(ext) - 1) + "." + ext
    return safe_stem(name)


def chosho_name(report: Report) -> str:
    """「{実施年度}_{施策名}.xlsx」, e.g. 「R6_ICTを活用した地域活性化と行政運営の効率化.xlsx」."""
    c = report.chosho
    return safe_stem(f"{fiscal.label(c.fiscal_year)}_{c.policy}") + EXTENSION


def unique_names(names: list[str]) -> list[str]:
    """The same names, with 「_2」, 「_3」 … added where two would be the same file
    (Windows file names ignore case)."""
    seen: set[str] = set()
    out = []
    for name in names:
        stem, ext = (name[: -len(EXTENSION)], EXTENSION) if name.endswith(EXTENSION) else (name, "")
        candidate, i = name, 1
        while candidate.casefold() in seen:
            i += 1
            candidate = fit(stem, f"_{i}{ext}")
        seen.add(candidate.casefold())
        out.append(candidate)
    return out
