"""How typed text is compared (common/text.py): blank cells, NFKC folding, 全角 digits."""

from chosho_xlsx.common.text import folded, is_blank, squeezed, zenkaku_digits
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
