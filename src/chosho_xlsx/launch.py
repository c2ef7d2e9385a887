"""The `chosho-xlsx` program's entry point: `--version` answered at once, without loading
the command line (typer and every command's module cost ~0.1 s of a start-up that prints
one line); everything else handed to chosho_xlsx.cli."""

from __future__ import annotations

import sys

from chosho_xlsx import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"] and sys.stdout is not None:
        try:
            sys.stdout.write(f"chosho-xlsx {__version__}\n")
            sys.stdout.flush()
            return
        except OSError:
            pass  # a full disk: said by the command line, as for any command
    try:
        # lazy: --version is answered without loading the command line (typer)
        from chosho_xlsx.cli import main as command_line
    except KeyboardInterrupt:  # Ctrl-C as it loads: as cli.main answers it
        # lazy: only for Ctrl-C while loading (the module has no imports of its own)
        from chosho_xlsx.common.errors import EXIT_INTERRUPTED

        sys.exit(EXIT_INTERRUPTED)
    command_line()
