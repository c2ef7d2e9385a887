"""Issue 22's figures of validation and start-up, each against its floor, measured in turn
(interleaved) so that a busy spell of the shared machine hits both alike:

- check_file of the example, warm, ÷ python-calamine reading every sheet of it (≤ 3×);
- `chosho-xlsx validate DIR` of 50 copies of the example, one call, start-up included,
  ÷ python-calamine reading every sheet of the same 50 files in one process (≤ 3×);
- cold `chosho-xlsx validate example.xlsx` ÷ `frictionless validate example.xlsx --sheet 指標`
  (≤ 0.4; frictionless comes with the bench extra);
- `chosho-xlsx --version` (≤ 0.06 s).

Each figure is the best of `repeat` runs, wall clock (CPU time beside it: the steadier
figure on a shared machine), after one untimed run of each command (the page cache, and
our YAML cache in ~/.cache, as on a user's second run). run.py prints them with the
batch's; alone:

    python bench/figures.py [--repeat 5] [--copies 50] [--against SRC]

--against SRC (another checkout's src/, e.g. `git worktree add --detach /tmp/start REV`)
also runs the cold validate and validate DIR of that code, interleaved with ours and the
floor, and prints after/before. Both are also given with our bytecode cached
(PYTHONPYCACHEPREFIX, written by one run beforehand): an editable checkout under
PYTHONDONTWRITEBYTECODE=1 compiles every module of ours at every start (~50 modules,
~60 ms), which `pip install .` (bytecode compiled at install) never does; frictionless's
modules are compiled in site-packages either way.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CLI = [sys.executable, "-m", "chosho_xlsx.cli"]


@dataclass
class Figure:
    name: str
    ours: float  # seconds (or a ratio's numerator)
    floor: float | None  # the same work by the floor; None for an absolute goal
    goal: float  # the ratio (or seconds, without a floor) not to exceed
    unit: str = "s"
    ours_cpu: float | None = None
    floor_cpu: float | None = None
    owner: str = "perf"
    before: tuple[float, float] | None = None  # (wall, CPU) of --against's code, same runs

    @property
    def value(self) -> float:
        return self.ours / self.floor if self.floor else self.ours

    @property
    def met(self) -> bool:
        return self.value <= self.goal

    def line(self) -> str:
        def amount(x: float | None) -> str:
            if x is None:
                return "–"
            return f"{x * 1000:.1f} ms" if self.unit == "ms" else f"{x:.3f} s"

        cpu = ""
        if self.ours_cpu is not None:
            cpu = f"  (CPU {amount(self.ours_cpu)}" + (f" / {amount(self.floor_cpu)}" if self.floor_cpu else "") + ")"
        if self.floor:
            shown = f"{amount(self.ours)} / {amount(self.floor)} = {self.value:.2f}×   goal ≤ {self.goal:g}×"
        else:
            shown = f"{amount(self.ours)}   goal ≤ {self.goal:g} s"
        line = f"{'met' if self.met else 'NOT MET':7s} {self.name}: {shown}{cpu}"
        if self.before is not None:
            wall, cpu_s = self.before
            line += (f"\n        against SRC: {amount(wall)} (CPU {amount(cpu_s)}) before; after/before "
                     f"{self.ours / wall:.2f} (CPU {self.ours_cpu / cpu_s:.2f})")
        return line


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one command, start-up included; it must not fail (exit 0/1)."""
    cpu = _children_cpu()
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", env=env)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, _children_cpu() - cpu


def _best_pair(a: list[str], b: list[str], repeat: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Each command's best (wall, CPU) over `repeat` interleaved runs."""
    return tuple(_best_of([(a, None), (b, None)], repeat))


def _best_of(commands: list[tuple[list[str], dict | None]], repeat: int) -> list[tuple[float, float]]:
    """Each (command, environment)'s best (wall, CPU) over `repeat` interleaved runs,
    after one untimed run of each."""
    for cmd, env in commands:
        _run(cmd, env)
    runs: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(repeat):
        for into, (cmd, env) in zip(runs, commands, strict=True):
            into.append(_run(cmd, env))
    return [min(r) for r in runs]


def env_for(src: Path | None = None, pycache: Path | None = None) -> dict | None:
    """The environment for the code in `src` (None: ours), with bytecode cached in
    `pycache` when given."""
    if src is None and pycache is None:
        return None
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def cache_bytecode(cmd: list[str], pycache: Path) -> None:
    """One run of `cmd` that writes our bytecode into `pycache` (as `pip install .` would
    have compiled it), whatever PYTHONDONTWRITEBYTECODE says."""
    env = env_for(pycache=pycache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(cmd, capture_output=True, env=env)


_READ_ALL = """
import sys
from python_calamine import CalamineWorkbook
for path in sys.argv[1:]:
    wb = CalamineWorkbook.from_path(path)
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    wb.close()
"""


def warm_check_file(example: Path, rounds: int = 40) -> Figure:
    """check_file of one workbook in this process, warm, against calamine's raw read of
    every sheet: medians of interleaved rounds (CPU time, which other processes do not
    inflate as they do the wall clock)."""
    from python_calamine import CalamineWorkbook

    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.pipeline import check_file

    settings = load_ruleset()

    def raw() -> None:
        wb = CalamineWorkbook.from_path(str(example))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        wb.close()

    def check() -> None:
        check_file(example, settings)

    check()
    raw()
    ours, floor = [], []
    for _ in range(rounds):
        for fn, into in ((raw, floor), (check, ours)):
            t = time.process_time()
            fn()
            into.append(time.process_time() - t)
    return Figure("check_file of the example, warm ÷ raw calamine read", statistics.median(ours),
                  statistics.median(floor), 3.0, unit="ms")


def validate_dir(example: Path, scratch: Path, copies: int, repeat: int,
                 against: Path | None = None) -> list[Figure]:
    folder = scratch / "copies"
    folder.mkdir(exist_ok=True)
    paths = []
    for i in range(copies):
        target = folder / f"dept_{i:03d}.xlsx"
        shutil.copyfile(example, target)
        paths.append(str(target))
    ours = [*CLI, "validate", str(folder)]
    pycache = scratch / "pycache"
    cache_bytecode(ours, pycache)
    commands = [(ours, None), ([sys.executable, "-c", _READ_ALL, *paths], None), (ours, env_for(pycache=pycache))]
    if against is not None:
        commands.append((ours, env_for(against)))
    (w1, c1), (w2, c2), (w3, c3), *before = _best_of(commands, repeat)
    return [Figure(f"validate DIR of {copies} copies, one call ÷ calamine reading them in one process",
                   w1, w2, 3.0, ours_cpu=c1, floor_cpu=c2, before=before[0] if before else None),
            Figure("the same, our bytecode cached (as installed by pip install .)", w3, w2, 3.0,
                   ours_cpu=c3, floor_cpu=c2)]


def cold_validate(example: Path, repeat: int, scratch: Path, against: Path | None = None) -> list[Figure]:
    """The cold validate of one file against frictionless's, as this checkout runs and
    with our bytecode cached (two figures, one goal)."""
    tool = shutil.which("frictionless")
    if tool is None:
        print("frictionless is not installed (pip install -e '.[bench]'): cold validate not compared",
              file=sys.stderr)
        return []
    ours = [*CLI, "validate", str(example)]
    pycache = scratch / "pycache"
    cache_bytecode(ours, pycache)
    commands = [(ours, None), ([tool, "validate", str(example), "--sheet", "指標"], None), (ours, env_for(pycache=pycache))]
    if against is not None:
        commands.append((ours, env_for(against)))
    (w1, c1), (w2, c2), (w3, c3), *before = _best_of(commands, repeat)
    return [Figure("cold validate example.xlsx ÷ frictionless validate --sheet 指標", w1, w2, 0.4,
                   ours_cpu=c1, floor_cpu=c2, before=before[0] if before else None),
            Figure("the same, our bytecode cached (as installed by pip install .)", w3, w2, 0.4,
                   ours_cpu=c3, floor_cpu=c2)]


def version(repeat: int) -> Figure:
    script = shutil.which("chosho-xlsx")
    cmd = [script, "--version"] if script else [*CLI, "--version"]
    runs = [_run(cmd) for _ in range(repeat)]
    wall, cpu = min(runs)
    return Figure("chosho-xlsx --version", wall, None, 0.06, ours_cpu=cpu)


def measure(scratch: Path, repeat: int = 3, copies: int = 50, against: Path | None = None) -> list[Figure]:
    """All the figures above, on the bundled example written by `chosho-xlsx example`
    (and, with `against`, the code in that src/ beside ours)."""
    example = scratch / "example.xlsx"
    if not example.exists():
        subprocess.run([*CLI, "example", "-o", str(example)], check=True, capture_output=True)
    out = [warm_check_file(example), *validate_dir(example, scratch, copies, repeat, against)]
    out += cold_validate(example, repeat, scratch, against)
    out.append(version(repeat))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--copies", type=int, default=50)
    ap.add_argument("--against", type=Path, metavar="SRC", help="also time the code in SRC, interleaved")
    a = ap.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="chosho-figures-"))
    try:
        for f in measure(scratch, a.repeat, a.copies, a.against and a.against.resolve()):
            print(f.line())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
