"""How wide and how tall a text is, in the units Excel uses: column widths in
characters of the default font (Calibri 11, 7 px per digit), row heights in points.

Neither Excel nor LibreOffice sizes a row to the text of a merged cell, so the writer
computes every row height itself from these estimates. They err on the generous side:
a row a little too tall reads fine, a clipped line does not."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate

PX_PER_PT = 96 / 72
DIGIT_PX = 7  # the default font's maximum digit width, in pixels
CELL_PAD_PX = 8  # both sides of a cell, plus the grid line
NARROW_EM = 0.6  # Latin letters and digits in a proportional Japanese font
WIDE_EM = 1.0  # 全角: east_asian_width W, F, and A (ambiguous is wide in Japanese fonts)
LINE_FACTOR = 1.22  # line height ÷ font size (IPAex and MS fonts are 1.0 em; Excel adds leading)
ROW_PAD_PT = 4.0  # above and below the text of a row
MAX_ROW_PT = 409.0  # Excel's largest row height
SAFETY = 0.94  # share of the cell's width the estimate fills (kinsoku, rounding)


def char_em(ch: str) -> float:
    if ch == "\t":
        return 2 * WIDE_EM
    if unicodedata.combining(ch):
        return 0.0
    if unicodedata.east_asian_width(ch) in ("W", "F", "A"):
        return WIDE_EM
    return NARROW_EM


class _Ems(dict):
    """Width in em of a character (or, in _TOKEN_EMS, of a token), computed once.

    Measuring is the writer's hot loop (every text of every 調書); a dict lookup is
    several times cheaper than the unicodedata calls. Sums run in the same order as
    before, so every width is the same float."""

    def __init__(self, measure) -> None:
        super().__init__()
        self._measure = measure

    def __missing__(self, key: str) -> float:
        if len(self) > 200_000:  # bounded: a long batch of varied text
            self.clear()
        value = self[key] = self._measure(key)
        return value


_CHAR_EMS = _Ems(char_em)
_TOKEN_EMS = _Ems(lambda tok: sum(map(_CHAR_EMS.__getitem__, tok)))


_TOKEN_PX: dict[float, _Ems] = {}


def _token_px(size: float) -> _Ems:
    """Token → its width in pixels at `size`, computed as wrap computes it."""
    table = _TOKEN_PX.get(size)
    if table is None:
        table = _TOKEN_PX[size] = _Ems(lambda tok: _TOKEN_EMS[tok] * size * PX_PER_PT)
    return table


def text_px(text: str, size: float) -> float:
    """The width of one line of text at a font size, in pixels."""
    return sum(map(_CHAR_EMS.__getitem__, text)) * size * PX_PER_PT


def column_px(width: float) -> int:
    """The width of a column of `width` characters, in pixels (Excel's rule)."""
    if width <= 0:
        return 0
    if width < 1:
        return int(width * (DIGIT_PX + 5) + 0.5)
    return int(width * DIGIT_PX + 0.5) + 5


def width_for_px(px: float) -> float:
    """The column width (characters) whose pixel width is at least `px`."""
    if px <= 0:
        return 0.0
    return max(1.0, math.ceil((px - 5) / DIGIT_PX * 4) / 4)


# A run of ASCII characters that are not white space (str.isspace), or one character.
_TOKEN_RE = re.compile(r"[\x00-\x08\x0e-\x1b!-\x7f]+|.", re.S)
_RUN_SPLIT = re.compile(r"([\x00-\x08\x0e-\x1b!-\x7f]+)")  # the runs, kept by split


def _tokens(line: str) -> list[str]:
    """Break opportunities: a run of Latin letters/digits stays together (as Excel and
    LibreOffice wrap words); every other character stands alone. _TOKEN_RE.findall(line),
    by splitting at the runs: findall tried both alternatives at each character of a
    Japanese text, ~8 % of writing a 調書; split finds the runs in one pass."""
    parts = _RUN_SPLIT.split(line)  # between runs, a run, between runs, …
    if len(parts) == 1:
        return list(line)
    toks = list(parts[0])
    for i in range(1, len(parts), 2):
        toks.append(parts[i])
        toks.extend(parts[i + 1])
    return toks


def wrap(text: str, avail_px: float, size: float) -> list[str]:
    """The lines a wrapping cell shows for `text` in `avail_px` pixels."""
    limit = max(avail_px * SAFETY, size * PX_PER_PT)  # at least one character per line
    token_em = _TOKEN_EMS.__getitem__
    lines: list[str] = []
    fits = limit * (1 - 1e-9)  # below any rounding difference of the two sums
    for para in str(text).split("\n"):
        if text_px(para, size) <= fits:  # the common case: the paragraph fits on one line
            lines.append(para)
            continue
        cur, cur_px = "", 0.0
        for tok in _tokens(para):
            w = token_em(tok) * size * PX_PER_PT  # as text_px computes it
            if cur and cur_px + w > limit:
                lines.append(cur)
                cur, cur_px = "", 0.0
                if tok.isspace():
                    continue
            while w > limit:  # a word longer than the line: broken by characters
                head, head_px = "", 0.0
                for ch in tok:
                    cw = text_px(ch, size)
                    if head and head_px + cw > limit:
                        break
                    head, head_px = head + ch, head_px + cw
                lines.append(head)
                tok = tok[len(head):]
                w = text_px(tok, size)
            cur, cur_px = cur + tok, cur_px + w
        lines.append(cur)
    return lines


def line_count(text: str, avail_px: float, size: float) -> int:
    """len(wrap(text, avail_px, size)), without building the lines: each line's break
    is found by bisecting the running sum of its tokens' widths (accumulate adds left
    to right, exactly as wrap does, so every break falls where wrap puts it). A token
    wider than a line is left to wrap itself."""
    limit = max(avail_px * SAFETY, size * PX_PER_PT)
    fits = limit * (1 - 1e-9)
    token_px = _token_px(size).__getitem__
    window = int(limit / (NARROW_EM * size * PX_PER_PT)) + 2  # tokens a line can hold, at most
    n = 0
    for para in str(text).split("\n"):
        # A paragraph with more characters than the narrowest fit on a line is measured
        # once, by its tokens (wrap's one-line test would measure it twice, and it is one
        # line only if its tokens' running sum stays within the limit, which the loop
        # below finds as well: the test is a shortcut, never a different answer).
        if len(para) < window - 2 and text_px(para, size) <= fits:
            n += 1
            continue
        toks = _tokens(para)
        ws = list(map(token_px, toks))  # as wrap computes them
        if not ws:
            n += 1
            continue
        if max(ws) > limit:
            n += len(wrap(para, avail_px, size))
            continue
        i, end, size_ = 0, len(toks), window
        while i < end:
            # the first try holds as many tokens as the last line did and a few more (a
            # line of 全角 holds 0.6 of the window, which assumes Latin letters); a line
            # that holds more doubles it, so any first try finds the same break
            size_ = min(window, size_ + 4)
            while True:
                run = list(accumulate(ws[i : i + size_]))
                k = bisect_right(run, limit)  # tokens i..i+k-1 fit; k >= 1
                if k < len(run) or i + size_ >= end:
                    break
                size_ *= 2  # zero-width characters: the line holds more tokens
            n += 1
            i += k
            size_ = k
            if i < end and toks[i].isspace():  # a space at a break is dropped
                i += 1
                if i == end:  # …and the paragraph ends on an empty line
                    n += 1
    return n


def line_pt(size: float) -> float:
    return size * LINE_FACTOR


@functools.lru_cache(maxsize=8192)
def text_height(text: str, width_chars: float, size: float) -> float:
    """Points a wrapping cell of `width_chars` needs to show all of `text`."""
    avail = column_px(width_chars) - CELL_PAD_PX
    n = line_count(text, avail, size) if text else 1
    return n * line_pt(size) + ROW_PAD_PT


@functools.lru_cache(maxsize=8192)  # a 調書's ~540 numbers' texts, ~40 % of them seen before
def one_line_width(text: str, size: float) -> float:
    """The column width (characters) that shows the longest line of `text` unwrapped."""
    widest = max((text_px(line, size) for line in str(text).split("\n")), default=0.0)
    return width_for_px(widest / SAFETY + CELL_PAD_PX)
