"""The `chosho-xlsx` command line: arguments in; files written, findings and sentences on
the terminal, and an exit code (0 fine, 1 the content breaks the contract, 2 unreadable or
misused) out.

One module per group of commands, each owning its options and what it shows:

    workbook   template, example        the input workbook to fill in
    validate   validate                 findings at their cells, --annotate
    build      build                    the batch, its progress and its table
    publish    preview, publish         printing through LibreOffice, the book
    export     export                   the year's figures as open data (CSV, JSON)
    cycle      rollover, diff           the yearly cycle
    portal     serve, worker, remind,   the portal's administration
               users, doctor, backup,
               restore

`app` (the Typer app, the options several commands share, the one place a ChoshoError
becomes its sentence and exit code) and `display` (findings as a table, visible text)
are what they share.

A new command: a function decorated with `@app.command()` (from chosho_xlsx.cli.app) in
the module of its group, or in a new module listed in COMMANDS below; its --help is tested
with every other command's (tests/test_cli.py walks the app). Import what a command needs
inside it when that costs start-up time: `--help` imports every module listed here."""

from __future__ import annotations

import importlib
import sys

from chosho_xlsx.cli.app import app
from chosho_xlsx.common.errors import EXIT_INTERRUPTED

# In the order `--help` lists them.
COMMANDS = ("workbook", "validate", "build", "publish", "export", "cycle", "portal")

for _module in COMMANDS:
    importlib.import_module(f"chosho_xlsx.cli.{_module}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)


__all__ = ["app", "main"]
