"""What the command line shows people: findings as a rich table (or one block per finding
on a narrow terminal), any outside text with its control characters made visible, and the
one sentence for an output the OS refused. The JSON for programs is the pipeline's
(pipeline.findings_json)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chosho_xlsx.common.findings import ERROR
from chosho_xlsx.common.sentences import both

if TYPE_CHECKING:
    from chosho_xlsx.pipeline import Checked

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
    """`text` with every control character shown as a visible sign (␛, ␊, \\x9b)."""
    return text.translate(_CONTROLS)


def cannot_write(target, exc: OSError) -> str:
    """The one sentence for an output the OS refused (the user's folder or disk, not a
    bug), shown visibly."""
    return visible(f"{both('write.cannot')} {target}: {exc.strerror or type(exc).__name__}")


def print_findings(results: list[Checked], lang: str) -> None:
    from rich.console import Console
    from rich.text import Text

    # Department values and paths go in as Text (a 「[」 in a cell is not rich markup),
    # through visible() (no control character reaches the terminal).

    h = _HEAD.get(lang, _HEAD["ja"])
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


def _cells(f, lang: str) -> tuple:
    """place, kind, code, value, message, hint of one finding as printable texts."""
    from rich.text import Text

    kind = _KIND.get(lang, _KIND["ja"])[0 if f.severity == ERROR else 1]
    style = "red" if f.severity == ERROR else "yellow"
    return (Text(visible(f.place)), Text(kind, style), Text(f.code), Text(visible(f.value)),
            Text(visible(f.message(lang))), Text(visible(f.hint(lang))))


def _print_table(console, r: Checked, lang: str, h: tuple) -> None:
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
    from rich.text import Text

    for f in r.findings:
        place, kind, code, value, message, hint = _cells(f, lang)
        console.print(Text.assemble(place, "  ", kind, "  ", code), soft_wrap=True)
        if value.plain:
            console.print(Text.assemble(f"  {h[3]}: ", value), soft_wrap=True)
        console.print(Text.assemble(f"  {h[4]}: ", message), soft_wrap=True)
        console.print(Text.assemble(f"  {h[5]}: ", hint), soft_wrap=True)
