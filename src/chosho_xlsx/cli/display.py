"""What the command line shows people: findings as a rich table (or one block per finding
on a narrow terminal), any outside text with its control characters made visible, and the
one sentence for an output the OS refused. The JSON for programs is the pipeline's
(common.findings.findings_json)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from chosho_xlsx.common.findings import ERROR
from chosho_xlsx.common.sentences import both
from chosho_xlsx.common.text import path_text

if TYPE_CHECKING:
    from chosho_xlsx.common.findings import Checked

_HEAD = {
    "ja": ("場所", "種別", "コード", "値", "内容", "直し方", "エラー", "警告", "問題ありません"),
    "en": ("Place", "Kind", "Code", "Value", "Message", "How to fix", "errors", "warnings", "no problems"),
}
# The 種別 of one finding (the counts above are plural in English).
_KIND = {"ja": ("エラー", "警告"), "en": ("error", "warning")}

# Below this many columns the six-column table folds messages into fragments of a few
# characters; one block per finding reads better there (and when piped, at rich's 80).
TABLE_MIN_WIDTH = 140

# C0 controls and DEL as their Unicode control pictures (ESC → ␛), C1 controls escaped:
# a department's cell or a file name must never drive the terminal (clear the screen,
# hide the findings). JSON keeps the exact text.
_CONTROLS = {c: chr(0x2400 + c) for c in range(0x20)} | {0x7F: "\u2421"}
_CONTROLS |= {c: f"\\x{c:02x}" for c in range(0x80, 0xA0)}


def visible(text: str) -> str:
    """`text` with every control character shown as a visible sign (␛, ␊, \\x9b), and a
    path's bytes that are not UTF-8 as common.text.path_text shows them."""
    return path_text(text).translate(_CONTROLS)


def cannot_write(target, exc: OSError) -> str:
    """The one sentence for an output the OS refused (the user's folder or disk, not a
    bug), shown visibly."""
    return visible(f"{both('write.cannot')} {target}: {exc.strerror or type(exc).__name__}")


def print_findings(results: list[Checked], lang: str) -> None:
    # Department values and paths go in as Text (a 「[」 in a cell is not rich markup),
    # through visible() (no control character reaches the terminal).
    h = _HEAD.get(lang, _HEAD["ja"])
    if _plain_blocks():
        _print_plain(results, lang, h)
        return
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    for r in results:
        n_err = len(r.errors)
        n_warn = len(r.findings) - n_err
        source = visible(r.source)
        if not r.findings:
            console.print(Text.assemble(("✔ ", "green"), f"{source}: {h[8]}"), soft_wrap=True)
            continue
        if r.unreadable:  # one sentence (it names the file) and what to do, no table
            for f in r.findings:
                console.print(Text.assemble(("✘ ", "red"), visible(f.message(lang))), soft_wrap=True)
                console.print(Text("  " + visible(f.hint(lang))), soft_wrap=True)
            continue
        mark = ("✘ ", "red") if n_err else ("! ", "yellow")
        console.print(Text.assemble(mark, f"{source}: {h[6]} {n_err} / {h[7]} {n_warn}"), soft_wrap=True)
        if console.width >= TABLE_MIN_WIDTH:
            _print_table(console, r, lang, h)
        else:
            _print_blocks(console, r, lang, h)


# What makes rich colour its output even into a pipe (or not into a terminal).
_RICH_TERMINAL_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def _plain_blocks() -> bool:
    """True when rich would print the findings as uncoloured blocks: stdout is not a
    terminal (a pipe, a file: scripts, the tests, `validate DIR > list.txt`) and the
    width rich would take (the first of stdin, stdout and stderr that is a terminal,
    then $COLUMNS, else 80) is below the table's. Then print_findings writes the same
    characters itself, without loading rich (a third of a cold one-file validate)."""
    if sys.platform == "win32" or any(k in os.environ for k in _RICH_TERMINAL_ENV):
        return False
    try:
        if sys.stdout.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return (width or 80) < TABLE_MIN_WIDTH


def _print_plain(results: list[Checked], lang: str, h: tuple) -> None:
    """print_findings' blocks as rich prints them uncoloured, each line written as it is
    made (tests/test_cli_display.py compares the two)."""
    out = sys.stdout
    for r in results:
        n_err = len(r.errors)
        source = visible(r.source)
        if not r.findings:
            out.write(f"✔ {source}: {h[8]}\n")
            continue
        if r.unreadable:
            for f in r.findings:
                out.write(f"✘ {visible(f.message(lang))}\n  {visible(f.hint(lang))}\n")
            continue
        mark = "✘ " if n_err else "! "
        out.write(f"{mark}{source}: {h[6]} {n_err} / {h[7]} {len(r.findings) - n_err}\n")
        kinds = _KIND.get(lang, _KIND["ja"])
        for f in r.findings:
            kind = kinds[0 if f.severity == ERROR else 1]
            value = visible(f.value)
            lines = [f"{visible(f.place)}  {kind}  {f.code}\n"]
            if value:
                lines.append(f"  {h[3]}: {value}\n")
            lines.append(f"  {h[4]}: {visible(f.message(lang))}\n  {h[5]}: {visible(f.hint(lang))}\n")
            out.write("".join(lines))
        out.flush()


def _cells(f, lang: str) -> tuple:
    """place, kind, code, value, message, hint of one finding as printable texts."""
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.text import Text

    kind = _KIND.get(lang, _KIND["ja"])[0 if f.severity == ERROR else 1]
    style = "red" if f.severity == ERROR else "yellow"
    return (Text(visible(f.place)), Text(kind, style), Text(f.code), Text(visible(f.value)),
            Text(visible(f.message(lang))), Text(visible(f.hint(lang))))


def _print_table(console, r: Checked, lang: str, h: tuple) -> None:
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.table import Table

    table = Table(show_lines=False, expand=False)
    for i, title in enumerate(h[:6]):
        # place, kind and code are never folded: a clerk searches for them
        table.add_column(title, overflow="fold", no_wrap=i < 3)
    for f in r.findings:
        table.add_row(*_cells(f, lang))
    console.print(table)


def _print_blocks(console, r: Checked, lang: str, h: tuple) -> None:
    """One finding per block: place, kind and code on a line, then value, message and
    hint each on their own line, left for the terminal to wrap."""
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.text import Text

    for f in r.findings:
        place, kind, code, value, message, hint = _cells(f, lang)
        console.print(Text.assemble(place, "  ", kind, "  ", code), soft_wrap=True)
        if value.plain:
            console.print(Text.assemble(f"  {h[3]}: ", value), soft_wrap=True)
        console.print(Text.assemble(f"  {h[4]}: ", message), soft_wrap=True)
        console.print(Text.assemble(f"  {h[5]}: ", hint), soft_wrap=True)
