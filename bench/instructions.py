"""Instructions per 調書 of a build's worker task, counted by valgrind (callgrind): a
figure the shared machine's load does not move, for before/after of the writer.

    python bench/instructions.py [--inputs DIR] [--first 10] [-n 8] [--mode write|work]
                                 [--against SRC]

In one process (this script run again under callgrind, with SRC first on the path when
given): one warm task (the first input, checked and written: every per-process cache
filled as in a worker after its first input), the worker's garbage collector
(common.workers.worker_gc), then N tasks on inputs FIRST … FIRST+N−1. `write` times
chosho_bytes alone (the inputs are checked before the count starts), `work` the whole
batch.build.work (check_input, the figures, the 調書 written to a temporary file). The
figure is (the run with N tasks − the run with none) ÷ N: start-up and imports cancel.
Issue 22's writer figures (commit messages of 2026-12-08) are `--first 10 -n 8`."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _task(inputs: Path, first: int, n: int, mode: str, checked: int) -> None:
    """What callgrind counts (the child run)."""
    # lazy: in the child run only, so that --against puts its src/ first on the path
    from chosho_xlsx.batch import build
    from chosho_xlsx.cli.shared import ruleset_from
    from chosho_xlsx.common.workers import worker_gc
    from chosho_xlsx.pipeline import check_input
    from chosho_xlsx.writers.layout.workbook import chosho_bytes

    settings = ruleset_from(None)
    files = sorted(inputs.glob("*.xlsx"))
    chosen = files[first:first + checked]  # `write`: checked alike in the run with none
    build._init(settings)
    with tempfile.TemporaryDirectory() as tmp:
        build.work((0, str(files[0]), str(Path(tmp) / "warm.xlsx"), False))
        reports = [check_input(f, settings).report for f in chosen] if mode == "write" else []
        worker_gc()
        if mode == "write":
            for report in reports[:n]:
                chosho_bytes(report, settings)
        else:
            for i, f in enumerate(chosen[:n]):
                build.work((i + 1, str(f), str(Path(tmp) / f"{i}.xlsx"), False))


def _count(src: Path | None, args: argparse.Namespace, n: int) -> int:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH", "")]))
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
           "--child", "--inputs", str(args.inputs), "--first", str(args.first), "-n", str(n), "--mode", args.mode,
           "--checked", str(args.n)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or not found:
        sys.exit(f"callgrind run failed:\n{proc.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, default=Path("/work/ref/inputs"))
    parser.add_argument("--first", type=int, default=10)
    parser.add_argument("-n", type=int, default=8)
    parser.add_argument("--mode", choices=("write", "work"), default="write")
    parser.add_argument("--against", type=Path, help="another checkout's src/, counted the same way")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--checked", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _task(args.inputs, args.first, args.n, args.mode, args.checked)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    if len(sorted(args.inputs.glob("*.xlsx"))) < args.first + args.n:
        sys.exit(f"{args.inputs}: fewer than {args.first + args.n} .xlsx inputs")
    runs = [("this checkout", ROOT / "src")] + ([("--against", args.against)] if args.against else [])
    for label, src in runs:
        per = (_count(src, args, args.n) - _count(src, args, 0)) / args.n
        print(f"{args.mode} ({label}, {src}): {per / 1e6:.1f} M instructions per 調書 "
              f"(inputs {args.first}–{args.first + args.n - 1} of {args.inputs})")


if __name__ == "__main__":
    main()
