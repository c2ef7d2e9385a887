"""The command line as a user runs it: `python -m chosho_xlsx.cli` in a process of its own
(this interpreter, so this venv's chosho_xlsx), its output captured as UTF-8 text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chosho_xlsx.writers.overview import FILE_NAME as OVERVIEW
from chosho_xlsx.writers.summary import FILE_NAME

from support import ROOT

CLI = [sys.executable, "-m", "chosho_xlsx.cli"]


def cli(*args: object, prefix: tuple[str, ...] = (), timeout: float = 600,
        **kwargs) -> subprocess.CompletedProcess:
    """`chosho-xlsx ARGS…` (after `prefix`, e.g. a command that drops privileges);
    kwargs go to subprocess.run (env, cwd …)."""
    return subprocess.run([*prefix, *CLI, *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, **kwargs)


def generate(out: Path, n: int, broken: int = 0, seed: int = 1) -> list[Path]:
    """`n` synthetic department workbooks (bench/generate.py), `broken` of them broken."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(out), "-n", str(n),
                           "--broken", str(broken), "--seed", str(seed)], capture_output=True, text=True,
                          encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stderr
    return sorted(out.glob("*.xlsx"))


def chosho_files(out: Path) -> list[Path]:
    """The 調書 a build wrote into `out` (every workbook but the 一覧 and the 評価結果概要)."""
    return sorted(p for p in out.glob("*.xlsx") if p.name not in (FILE_NAME, OVERVIEW))
