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

`shared` (the Typer app, the options several commands share, the one place a ChoshoError
becomes its sentence and exit code) and `display` (findings as a table, visible text)
are what they share; `checking` is validate's worker processes (no typer: main forks
them as validate starts, before the command line loads).

A command that is run loads its own module only (main): the others and typer's building
of their options would be a third of a cold `validate` (issue 22). `cli.app`, the Typer
app with every command, loads them all (`--help`, an unknown command, the tests).

A new command: a function decorated with `@app.command()` (from chosho_xlsx.cli.shared)
in the module of its group, or in a new module, named with its commands in COMMANDS
below; its --help is tested with every other command's (tests/test_cli.py walks the app,
and checks COMMANDS against what each module registers). Import what a command needs
inside it when that costs start-up time: `--help` imports every module listed here."""

from __future__ import annotations

import codecs
import copy
import errno
import gc
import importlib
import os
import sys

from chosho_xlsx.common.errors import EXIT_INTERRUPTED, EXIT_UNREADABLE

# module of cli/ → the commands it registers, in the order `--help` lists them
COMMANDS: dict[str, tuple[str, ...]] = {
    "workbook": ("template", "example"),
    "validate": ("validate",),
    "build": ("build",),
    "publish": ("preview", "publish"),
    "export": ("export",),
    "cycle": ("rollover", "diff"),
    "portal": ("serve", "remind", "worker", "doctor", "backup", "restore", "users"),
}
_MODULE_OF = {command: module for module, commands in COMMANDS.items() for command in commands}


def _load(modules) -> object:
    """The Typer app, with the commands of `modules` registered on it."""
    for module in modules:
        importlib.import_module(f"chosho_xlsx.cli.{module}")
    # lazy: typer (~50 ms) only once a command line is built, not for `import chosho_xlsx.cli`
    from chosho_xlsx.cli.shared import app

    return app


def __getattr__(name: str):
    """`cli.app`: the Typer app with every command (loaded on first use)."""
    if name == "app":
        app = _load(COMMANDS)
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """The command line as the user typed it: only the command named first is loaded and
    built (the app's own options, -h and --version, come before any command and need them
    all, as does a name that is not a command). Ctrl-C at any moment, loading included
    (a large part of a short command's time): exit 130, no traceback."""
    if sys.stdout is None:  # started with its output closed (`>&-`): refused before any work
        _output_lost("write.stdout-closed")
    for stream in (sys.stdout, sys.stderr):
        _tolerant(stream)
    try:
        _run()
        sys.stdout.flush()  # a full disk is said here, not as a traceback at exit
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:
        # What a command's own files meet is said by the command (display.cannot_write);
        # one of these escaping it is the output the command prints: a full disk
        # (`> /dev/full`), a descriptor gone bad. A reader gone (EPIPE) is typer's.
        if exc.errno not in _OUTPUT_LOST:
            raise
        _output_lost("write.stdout-failed", error=exc.strerror)


_OUTPUT_LOST = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF}


def _tolerant(stream) -> None:
    """An output whose encoding cannot write every character we print (Japanese Windows
    writes a redirected output in cp932: no ✘, no emoji from a cell): those become '?'
    rather than a UnicodeEncodeError traceback with the findings unsaid. UTF-8 outputs
    are left as they are."""
    if stream is None or not hasattr(stream, "reconfigure") or stream.errors != "strict":
        return
    try:
        if codecs.lookup(stream.encoding).name.startswith("utf"):
            return
    except (LookupError, TypeError):  # an encoding Python does not know: made tolerant
        pass
    stream.reconfigure(errors="replace")


def _output_lost(key: str, **params: object) -> None:
    """One sentence on stderr and exit 2 (the output could not be given); the rest of
    stdout goes nowhere, so that the interpreter's last flush raises nothing more."""
    # lazy: the catalogue only for a lost output (the first process of a quick validate
    # has loaded it anyway; --help and typer's commands before their own sentences)
    from chosho_xlsx.common.sentences import both

    sys.stdout = open(os.devnull, "w")  # noqa: SIM115  # closed by the interpreter as it exits
    if sys.stderr is not None:
        sys.stderr.write(both(key, **params) + "\n")
    sys.exit(EXIT_UNREADABLE)


def _run() -> None:
    # Loading typer, click and the command makes ~100,000 objects that live as long as the
    # process and frees nothing cyclic: the collector walked them ~30 times (~7 ms of a
    # cold validate). Off while loading; then frozen (never walked again), and on.
    gc.disable()
    try:
        words = sys.argv[1:]
        command = words[0] if words and words[0] in _MODULE_OF else None
        quick = False
        if command == "validate":
            # Before typer loads: the process that imports the reading stack for the
            # checks is forked now and imports it on the other core (cli.checking).
            # lazy: validate's own start-up, only for validate
            from chosho_xlsx.cli.checking import start_early

            quick = start_early(words[1:])
        elif command == "build":
            # The same for build: its workers' keeper imports the checking and writing
            # stack on the other core (batch.keeper).
            # lazy: build's own start-up, only for build
            from chosho_xlsx.batch.keeper import start_early as start_build

            start_build(words[1:])
        app = None if quick else only(command) if command else _load(COMMANDS)
    finally:
        gc.freeze()
        gc.enable()
    if quick:  # `validate DIR…`, no option: run without typer, unless it has to speak
        _quick_validate(words[1:])
        app = only(command)
    app()


def _quick_validate(words: list[str]) -> None:
    """cli.checking.quick, leaving with its exit code; back to the caller when the
    command line must run `validate` itself. A closed stdout (`validate DIR | head`)
    ends it as typer's main does: exit 1, nothing more written."""
    # lazy: only for `validate FILES…` (imported by start_early already: no cost)
    from chosho_xlsx.cli.checking import quick

    try:
        code = quick(words)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        # lazy: click only for a reader that went away
        from click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        sys.exit(1)
    if code is not None:
        sys.exit(code)


def only(command: str):
    """The Typer app with `command` alone: its help, usage, errors and run are those of
    the whole app's `command` (tests/test_cli.py), at the cost of one command."""
    # lazy: typer (~50 ms) only once a command line is built, not for `import chosho_xlsx.cli`
    from typer.main import get_command_name

    app = _load([_MODULE_OF[command]])
    one = copy.copy(app)  # the app's settings and callback; a list of its own below
    one.registered_commands = [c for c in app.registered_commands
                               if (c.name or get_command_name(c.callback.__name__)) == command]
    one.registered_groups = [g for g in app.registered_groups if g.name == command]
    return one


__all__ = ["COMMANDS", "app", "main", "only"]
