"""measure.line_count (what text_height uses) always agrees with len(wrap): it finds
the same breaks without building the lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chosho_xlsx.writers.layout import measure

texts = st.text(
    alphabet=st.sampled_from(list("ab XYZ019,.-()（）「」、。・ー漢字仮名カナｶﾅ①ⅰ\t\x1c\x00\u0301é％\u3000\n")),
    max_size=160,
)


@settings(max_examples=500, deadline=None)
@given(texts, st.floats(1, 1200), st.sampled_from([6, 8, 9, 10.5, 11, 14, 20]))
def test_line_count_is_len_wrap(text, px, size):
    assert measure.line_count(text, px, size) == len(measure.wrap(text, px, size))


def test_long_japanese_paragraph():
    text = "本県におけるSociety5.0実現に向け、産学金官連携のプラットフォームにおいて情報共有を行っている。" * 12
    for px in (40, 150, 333.5, 700):
        assert measure.line_count(text, px, 10) == len(measure.wrap(text, px, 10)) > 1


@settings(max_examples=500, deadline=None)
@given(texts)
def test_tokens_are_the_patterns_matches(text):
    """measure._tokens (split at the Latin runs) gives _TOKEN_RE.findall's tokens."""
    assert measure._tokens(text) == measure._TOKEN_RE.findall(text)


def test_a_long_paragraph_of_zero_width_characters_is_one_line():
    """More characters than the narrowest fit on a line, yet one line (combining marks
    have no width): line_count measures it by its tokens and agrees with wrap."""
    text = "漢" + "\u0301" * 300
    for px in (40, 150):
        assert measure.line_count(text, px, 10) == len(measure.wrap(text, px, 10)) == 1
