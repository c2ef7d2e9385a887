"""How typed text is compared (common/text.py): blank cells, NFKC folding, 全角 digits;
how a path is shown (path_text)."""

import os

from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.common.text import folded, is_blank, path_text, squeezed, zenkaku_digits
from chosho_xlsx.contract.parsers import name_key


def test_blank():
    assert is_blank(None) and is_blank("") and is_blank(" \u3000\n")
    assert not is_blank("―") and not is_blank(0) and not is_blank(0.0) and not is_blank(False)


def test_folding():
    assert folded("　Ｒ６ ") == "R6"
    assert folded("９０％以上") == "90%以上"
    assert squeezed("Ｒ５　実 績\n") == "R5実績"
    assert name_key(" 指標 ") == "指標"
    assert zenkaku_digits("R16") == "R１６"


def test_a_name_in_cp932_is_shown_as_the_clerk_named_it():
    # a Windows zip unpacked on Linux: the names keep their CP932 bytes
    assert path_text(os.fsdecode(b"in/\x8c\x9f\x8f\xd8.xlsx")) == "in/検証.xlsx"
    assert path_text(os.fsdecode("部/".encode() + b"\x8c\x9f\x8f\xd8.xlsx")) == "部/検証.xlsx"
    # bytes no CP932 name has (0xFF, a lone 0x80): shown byte by byte
    assert path_text(os.fsdecode(b"a\xff\xfe.xlsx")) == "a\\xff\\xfe.xlsx"
    assert path_text(os.fsdecode(b"x\x80.xlsx")) == "x\\x80.xlsx"
    assert path_text("普通の名前.xlsx") == "普通の名前.xlsx"


@given(st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b))
def test_any_name_the_os_gives_is_shown_as_text_every_output_takes(raw):
    shown = path_text(os.fsdecode(raw))
    shown.encode("utf-8")  # a terminal, JSON and a cell of the 一覧 all take it
    if os.fsdecode(raw) == raw.decode("utf-8", "replace"):  # a UTF-8 name is shown as it is
        assert shown == raw.decode("utf-8")
