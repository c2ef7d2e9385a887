"""Which department texts get Excel's quote prefix (the apostrophe Excel shows in the
formula bar): a text that someone editing or retyping the cell would turn into a
formula. The one rule for every workbook we write (調書, 一覧, template and example,
annotated copy).

Excel starts a formula at 「=」, 「+」, 「-」 or 「@」, also typed full-width with a Japanese
IME (「＝＋－＠」, which it converts), and after leading spaces, tabs or line breaks. So the
text is compared after NFKC (full-width to half-width, ideographic space to space) and
without its leading whitespace. A prefix on a text that would not have needed it changes
nothing the reader sees, so the rule errs on that side."""

from __future__ import annotations

from chosho_xlsx.common.text import folded

FORMULA_STARTS = ("=", "+", "-", "@")


def needs_quote(text: str) -> bool:
    """Whether `text`, written as text, needs the quote prefix to stay text when edited."""
    head = text.lstrip()[:8]  # the first visible characters decide; NFKC only on those
    quote = _SEEN.get(head)
    if quote is None:
        if len(_SEEN) > 50_000:  # a bound far above the distinct beginnings of a batch
            _SEEN.clear()
        quote = _SEEN[head] = folded(head).startswith(FORMULA_STARTS)
    return quote


# The answer for each beginning already seen: a 調書 asks for ~500 texts, most of them
# beginning alike (labels, 「―」, 「R6」 …), and NFKC is the costly part.
_SEEN: dict[str, bool] = {}
