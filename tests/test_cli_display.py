"""cli/display.py: findings printed without rich when rich would print them as plain
blocks (not a terminal, narrower than the table) must be the very characters rich prints."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chosho_xlsx.cli import display
from chosho_xlsx.common.findings import Checked, Finding, Location, catalogue

CODES = sorted(catalogue())


def _fields(code: str) -> set[str]:
    entry = catalogue()[code]
    names = set()
    for part in ("message", "hint"):
        for lang_text in entry[part].values() if isinstance(entry[part], dict) else [entry[part]]:
            names |= {f for _, f, _, _ in string.Formatter().parse(lang_text) if f}
    return names


# Any text a department's cell or a file name can hold: controls, spaces at the ends,
# wide characters, combining marks, rich markup look-alikes.
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120) | st.sampled_from(
    ["[bold]x[/]", "  trailing   ", "\t\n\r", "縮小 ①「ok」" * 9, "e\u0301", "\x1b[2J"])


@st.composite
def findings(draw):
    code = draw(st.sampled_from(CODES))
    if draw(st.booleans()):
        at = Location(file=draw(texts))
    else:
        at = Location(sheet=draw(st.sampled_from(["指標", "事業", "調書"])),
                      row=draw(st.integers(1, 2000)), col=draw(st.integers(0, 40)))
    params = {name: draw(texts) for name in _fields(code) if name != "value"}
    return Finding(code, at, draw(texts), params=params)


@st.composite
def results(draw):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        found = draw(st.lists(findings(), max_size=4))
        out.append(Checked(draw(texts), found, unreadable=draw(st.booleans()) and bool(found)))
    return out



@settings(max_examples=150, deadline=None)
@given(rs=results(), lang=st.sampled_from(["ja", "en"]))
def test_plain_blocks_are_richs_blocks(rs, lang):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "80")
        for key in display._RICH_TERMINAL_ENV:
            mp.delenv(key, raising=False)
        import io
        import sys

        outs = []
        for plain in (False, True):
            buf = io.StringIO()
            mp.setattr(sys, "stdout", buf)
            mp.setattr(display, "_plain_blocks", lambda p=plain: p)
            display.print_findings(rs, lang)
            outs.append(buf.getvalue())
        assert outs[1] == outs[0]


def test_plain_blocks_only_where_rich_prints_blocks(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdout", io.StringIO())  # not a terminal
    for key in display._RICH_TERMINAL_ENV:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    assert display._plain_blocks()
    monkeypatch.setenv("COLUMNS", "200")  # rich draws the table into the pipe
    assert not display._plain_blocks()
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich colours the pipe
    assert not display._plain_blocks()
