"""Issue 21 item 6: every file name we send or write is made safe in one place
(writers/naming): no control or format character (U+202E, U+200B, CR/LF …), no path
separator, whatever the 施策名 or the uploaded file's name held."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.writers.naming import MAX_BYTES, MAX_CHARS, file_name, safe_stem


def _clean(name: str) -> bool:
    return (not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name)
            and "/" not in name and "\\" not in name and name not in ("", ".", "..")
            and not name.startswith(".") and len(name) <= MAX_CHARS and len(name.encode()) <= MAX_BYTES)


@given(st.text(max_size=300))
def test_any_text_gives_a_clean_name(text):
    assert _clean(safe_stem(text))
    assert _clean(file_name(text))


@pytest.mark.parametrize(("raw", "name"), [
    ("invoice\u202excod.hta", "invoicexcod.hta"),  # the override that shows 「invoiceath.docx」
    ("予算\u200b.xlsx", "予算.xlsx"),
    ("施策\r\nContent-Type: text/html.pdf", "施策__Content-Type_ text_html.pdf"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("C:\\Users\\x\\予算.xlsx", "C__Users_x_予算.xlsx"),
    ("\ufeff.xlsx", "chosho.xlsx"),
    ("予算", "予算"),
])
def test_known_spoofs_are_removed(raw, name):
    assert file_name(raw) == name
