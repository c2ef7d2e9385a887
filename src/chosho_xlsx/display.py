"""Findings for people (a rich table on the terminal) and for programs (JSON)."""

from __future__ import annotations

import json

from .findings import ERROR
from .pipeline import Checked

JSON_VERSION = 1

_HEAD = {
    "ja": ("場所", "種別", "コード", "値", "内容", "直し方", "エラー", "警告", "問題ありません"),
    "en": ("Place", "Kind", "Code", "Value", "Message", "How to fix", "errors", "warnings", "no problems"),
}


def finding_dict(r: Checked, f, lang: str) -> dict:
    """One finding as JSON: Finding.as_dict, with `column` naming the header above a
    cell too (事業!B5 → 事業群番号)."""
    d = f.as_dict(lang)
    d["column"] = r.header_of(f)
    return d


def findings_json(results: list[Checked], lang: str) -> str:
    """The documented shape (README「validate --format json」): stable keys, one object
    per file, findings in reading order (sheet by sheet, row by row)."""
    files = []
    for r in results:
        files.append(
            {
                "file": r.source,
                "readable": not r.unreadable,
                "valid": r.ok,
                "errors": len(r.errors),
                "warnings": len(r.findings) - len(r.errors),
                "findings": [finding_dict(r, f, lang) for f in r.findings],
            }
        )
    return json.dumps({"version": JSON_VERSION, "files": files}, ensure_ascii=False, indent=2) + "\n"


def print_findings(results: list[Checked], lang: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Department values and paths go in as Text: a 「[」 in a cell is not rich markup.

    h = _HEAD.get(lang, _HEAD["ja"])
    console = Console(highlight=False)
    for r in results:
        n_err = len(r.errors)
        n_warn = len(r.findings) - n_err
        if not r.findings:
            console.print(Text.assemble(("✔ ", "green"), f"{r.source}: {h[8]}"))
            continue
        if r.unreadable:  # one sentence (it names the file) and what to do, no table
            for f in r.findings:
                console.print(Text.assemble(("✘ ", "red"), f.message(lang)))
                console.print(Text("  " + f.hint(lang)))
            continue
        mark = ("✘ ", "red") if n_err else ("! ", "yellow")
        console.print(Text.assemble(mark, f"{r.source}: {h[6]} {n_err} / {h[7]} {n_warn}"))
        table = Table(show_lines=False, expand=False)
        for i, title in enumerate(h[:6]):
            # place, kind and code are never folded: a clerk searches for them
            table.add_column(title, overflow="fold", no_wrap=i < 3)
        for f in r.findings:
            kind = h[6] if f.severity == ERROR else h[7]
            style = "red" if f.severity == ERROR else "yellow"
            table.add_row(
                Text(f.place), Text(kind, style), Text(f.code), Text(f.value),
                Text(f.message(lang)), Text(f.hint(lang)),
            )
        console.print(table)
