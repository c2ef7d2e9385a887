"""The batch benchmark: our build of N workbooks against the floor, in one run.

    python bench/run.py -n 100 [--jobs J] [--inputs DIR] [--json RESULT.json] [--against SRC]

(a) ours: `chosho-xlsx build DIR -o OUT --jobs J` as a user runs it (a fresh process:
    interpreter start, imports, reading, validation, rules, layout, writing N 調書 and
    the 一覧), wall clock.
(b) the floor: raw XlsxWriter making exactly the calls our writer made for the same N
    調書 (recorded once beforehand, see floor.py), replayed in one process, timing only
    the writing loop: no start-up, no imports, no reading, validation, rules or layout.

It prints both, the ratio (a)/(b), per-workbook validate time against
a raw python-calamine read of the same file, and the cold start of `chosho-xlsx --help`
and of `chosho-xlsx validate` on one file. Inputs come from generate.py (seed 1) unless
--inputs names a folder of workbooks.

Last, issue 22's table: each figure (figures.py's and the build's) against its floor and
its goal, met or not (`--figures-only`: that table alone, without the batch).

--against SRC times another version of the code in the same run: SRC is the src/ folder of
a checkout (`git worktree add /tmp/before REV`, then `--against /tmp/before/src`). Its build
is run in turn with ours and the floor, its validate and cold start beside ours, and the
ratios after/before are printed: a change is judged against the code before it under the
same load, not against a figure measured on another day.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import figures  # noqa: E402
import floor  # noqa: E402
import generate  # noqa: E402

CLI = [sys.executable, "-m", "chosho_xlsx.cli"]
QUIET = {"wait": 0.0}  # seconds to wait at most for other processes to leave the CPUs


def _busy() -> float:
    """Share of the machine's CPU time used (by anyone) over the last 0.5 s."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait

    t1, i1 = sample()
    time.sleep(0.5)
    t2, i2 = sample()
    return 1 - (i2 - i1) / max(t2 - t1, 1)


def wait_for_quiet() -> None:
    """A benchmark on a shared machine: wait (up to --quiet-wait) until the CPUs are idle."""
    if QUIET["wait"] <= 0 or not os.path.exists("/proc/stat"):
        return
    deadline = time.monotonic() + QUIET["wait"]
    while _busy() > 0.05 and time.monotonic() < deadline:
        time.sleep(2)


def _wall(cmd: list[str], env=None) -> tuple[float, subprocess.CompletedProcess]:
    wait_for_quiet()
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", env=env)
    return time.perf_counter() - t, proc


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def batch_build(inputs: list[Path], out: Path, jobs: int | None, repeat: int, src: Path | None = None,
                pycache: Path | None = None) -> dict:
    """(a): the CLI on `inputs` (a folder, or files), best of `repeat` runs (each into an
    empty folder); the code in `src`
    (None: ours), with bytecode from `pycache` when given (figures.cache_bytecode)."""
    times, cpu = [], []
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        cmd = [*CLI, "build", *map(str, inputs), "-o", str(out)]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        before = _children_cpu()
        seconds, proc = _wall(cmd, figures.env_for(src, pycache))
        cpu.append(_children_cpu() - before)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"build failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        times.append(seconds)
    from chosho_xlsx.writers import overview, summary

    built = len([p for p in out.glob("*.xlsx") if p.name not in (summary.FILE_NAME, overview.FILE_NAME)])
    return {"seconds": min(times), "runs": times, "built": built, "cpu_seconds": min(cpu)}


def record_all(paths: list[Path], scratch: Path) -> list[floor.Recording]:
    """Our writer's XlsxWriter calls for every input that builds (not timed)."""
    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.pipeline import check_file

    settings = load_ruleset()
    recs = []
    for p in paths:
        checked = check_file(p, settings)
        if checked.ok and checked.report is not None:
            recs.append(floor.record(checked.report, settings, scratch / "recorded.xlsx"))
    return recs


def floor_write(recs: list[floor.Recording], scratch: Path, repeat: int) -> dict:
    """(b): replay every recording in this process; best of `repeat`."""
    import gc

    out = scratch / "floor"
    out.mkdir(exist_ok=True)
    # The recordings are this process's data, not the floor's: keep the garbage collector
    # from scanning them, so the floor pays only for XlsxWriter's own objects.
    gc.collect()
    gc.freeze()
    times, cpu = [], []
    for _ in range(repeat):
        wait_for_quiet()
        t, c = time.perf_counter(), time.process_time()
        for i, rec in enumerate(recs):
            floor.replay(rec, out / f"{i}.xlsx")
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return {"seconds": min(times), "runs": times, "workbooks": len(recs),
            "calls": sum(r.calls for r in recs), "cpu_seconds": min(cpu)}


def validate_vs_read(paths: list[Path], sample: int) -> dict:
    """Per workbook, warm, in this process: check_file (safety, read, parse, schema,
    rules, cross checks) against python-calamine reading every sheet's values."""
    from python_calamine import CalamineWorkbook

    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.pipeline import check_file

    settings = load_ruleset()
    chosen = paths[:sample]
    check_file(chosen[0], settings)  # warm: imports and caches are start-up, measured apart

    def raw(p):
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        wb.close()

    raw(chosen[0])
    v, r = [], []
    for p in chosen:
        for _ in range(3):
            t = time.perf_counter()
            raw(p)
            r.append(time.perf_counter() - t)
            t = time.perf_counter()
            check_file(p, settings)
            v.append(time.perf_counter() - t)
    mv, mr = statistics.median(v), statistics.median(r)
    return {"validate_ms": mv * 1000, "raw_read_ms": mr * 1000, "ratio": mv / mr, "files": len(chosen)}


# check_file, warm, in a process of its own: for --against, whose code cannot be imported
# here beside ours (the same package name); the modules moved in the restructures of
# issue 9 (pipeline into batch/) and issue 25 (pipeline on its own, settings into model/,
# then model.settings renamed model.ruleset).
_VALIDATE_MS = """
import statistics, sys, time
try:
    from chosho_xlsx.pipeline import check_file
except ImportError:
    from chosho_xlsx.batch.pipeline import check_file
try:
    from chosho_xlsx.model.ruleset import load_ruleset
except ImportError:
    try:
        from chosho_xlsx.model.settings import load_settings as load_ruleset
    except ImportError:
        try:
            from chosho_xlsx.domain.settings import load_settings as load_ruleset
        except ImportError:
            from chosho_xlsx.settings import load_settings as load_ruleset
""" """
paths = sys.argv[1:]
settings = load_ruleset()
check_file(paths[0], settings)
v = []
for p in paths:
    for _ in range(3):
        t = time.perf_counter()
        check_file(p, settings)
        v.append(time.perf_counter() - t)
print(statistics.median(v) * 1000)
"""


def validate_ms(paths: list[Path], src: Path | None) -> float:
    code = _VALIDATE_MS
    wait_for_quiet()
    proc = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True,
                          text=True, encoding="utf-8", env=figures.env_for(src))
    if proc.returncode:
        raise SystemExit(f"validate timing failed:\n{proc.stderr[-2000:]}")
    return float(proc.stdout)


def cold_starts(one_file: Path, repeat: int, src: Path | None = None) -> dict:
    def best(cmd):
        return min(_wall(cmd, figures.env_for(src))[0] for _ in range(repeat))

    installed = src is None and shutil.which("chosho-xlsx")
    return {
        "python_s": best([sys.executable, "-c", "pass"]),
        "help_s": best(["chosho-xlsx", "--help"]) if installed else best([*CLI, "--help"]),
        "validate_s": best([*CLI, "validate", str(one_file)]),
    }


def _best(acc: dict | None, run: dict) -> dict:
    """Runs of one timing merged: the best counts, every run kept."""
    if acc is None:
        return run
    out = {**acc, "seconds": min(acc["seconds"], run["seconds"]), "runs": acc["runs"] + run["runs"]}
    if "cpu_seconds" in run:
        out["cpu_seconds"] = min(acc["cpu_seconds"], run["cpu_seconds"])
    return out


def against(src: Path, ours: dict, before: dict, cold: dict, paths: list[Path], sample: int) -> dict:
    """The figures of --against beside ours, as ratios after/before (below 1: faster now)."""
    mine = validate_ms(paths[:sample], None)
    theirs = validate_ms(paths[:sample], src)
    cold_b = cold_starts(paths[0], 3, src)
    return {
        "src": str(src),
        "build": before,
        "build_ratio": ours["seconds"] / before["seconds"],
        "cpu_ratio": ours["cpu_seconds"] / before["cpu_seconds"],
        "validate_ms": {"after": mine, "before": theirs, "ratio": mine / theirs},
        "cold_start": cold_b,
        "validate_cold_ratio": cold["validate_s"] / cold_b["validate_s"],
    }


def portal_figures(clients: int, uploads: int, database_url: str, scratch: Path) -> dict:
    """portal_load.py's run on SQLite (and on `database_url` when given): its figures by
    database ({} when clients is 0)."""
    if clients <= 0:
        return {}
    import portal_load

    out = {}
    for db, url in [("sqlite", ""), ("postgresql", database_url)]:
        if db == "postgresql" and not url:
            continue
        wait_for_quiet()
        figures: dict = {}
        print(f"portal, {db}:", file=sys.stderr)
        data = scratch / f"portal-{db}"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        code = portal_load.run(clients, uploads, data, url, figures)
        out[db] = {**figures, "exit": code}
    return out


# issue 22's goals for the figures this script measures (the others print their own)
BATCH_GOAL = 0.6
PORTAL_P95_GOAL_MS = 500


def print_goals(result: dict) -> None:
    pairs = result["pair_ratios"]
    print("figures against their goals (issue 22):")
    print(f"    batch: build ÷ floor, median of {len(pairs)} interleaved pairs "
          f"({', '.join(f'{r:.2f}' for r in pairs)}): {result['batch_figure']:.2f}   goal ≤ {BATCH_GOAL}")
    if "pair_ratios_cached" in result:
        cached = result["pair_ratios_cached"]
        print(f"    the same, our bytecode cached (as installed by pip install .) "
              f"({', '.join(f'{r:.2f}' for r in cached)}): {result['batch_figure_cached']:.2f}   goal ≤ {BATCH_GOAL}")
    if "cpu_figure" in result:
        print(f"    batch, CPU: build's CPU per core ÷ the floor's CPU: {result['cpu_figure']:.2f}   "
              "(the wall figure on two free cores, start-up and tail aside)")
    for db, fig in result["portal"].items():
        if "p95_ms" not in fig:
            print(f"    portal ({db}): no figures (exit {fig['exit']})")
            continue
        goal = f"goal ≤ {PORTAL_P95_GOAL_MS} ms" if db == "sqlite" else "(beside SQLite)"
        print(f"    portal ({db}), {fig['clients']} clients × {fig['uploads']} uploads: p95 {fig['p95_ms']:.0f} ms, "
              f"{fig['requests_per_s']:.0f} req/s, {fig['problems']} problems   {goal}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=100, help="workbooks (default 100)")
    ap.add_argument("--jobs", type=int, default=None, help="build --jobs (default: all cores)")
    ap.add_argument("--inputs", type=Path, help="use these workbooks instead of generating")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best counts")
    ap.add_argument("--sample", type=int, default=20, help="workbooks for validate vs raw read")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--keep", type=Path, help="keep the scratch folder here")
    ap.add_argument("--against", type=Path, metavar="SRC",
                    help="also time the code in SRC (another checkout's src/), interleaved")
    ap.add_argument("--quiet-wait", type=float, default=0.0,
                    help="before each timing, wait up to this many seconds for idle CPUs (shared machines)")
    ap.add_argument("--portal-clients", type=int, default=50,
                    help="portal_load.py's clients for the portal figure (0: not measured)")
    ap.add_argument("--portal-uploads", type=int, default=5, help="uploads per client")
    ap.add_argument("--portal-database-url", default="",
                    help="also measure the portal on this (empty) PostgreSQL database, beside SQLite")
    ap.add_argument("--copies", type=int, default=50, help="copies of the example for validate DIR (default 50)")
    ap.add_argument("--figures-only", action="store_true",
                    help="only issue 22's validation and start-up figures (figures.py), not the batch")
    a = ap.parse_args(argv)
    QUIET["wait"] = a.quiet_wait
    if a.figures_only:
        return _issue_figures([], a.repeat, a.copies, a.against and a.against.resolve())

    scratch = Path(a.keep or tempfile.mkdtemp(prefix="chosho-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        if a.inputs:
            inputs = a.inputs
            every = sorted(p for p in inputs.glob("*.xlsx"))
            paths = every[: a.n]
        else:
            inputs = scratch / "inputs"
            t = time.perf_counter()
            paths = every = generate.generate(inputs, a.n)
            print(f"generated {len(paths)} workbooks in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        recs = record_all(paths, scratch)
        # `build DIR` as issue 22 times it; the files themselves when -n takes some of them
        targets = [inputs] if paths == every else paths
        # Our build as installed by `pip install .` (the README's first command), which
        # compiles our modules once: an editable checkout under PYTHONDONTWRITEBYTECODE=1
        # (this project's machine) compiles them at every start, ~0.1 s of CPU on the
        # path to the first worker. Both are timed; the figure is the first.
        pycache = scratch / "pycache"
        figures.cache_bytecode([*CLI, "build", *map(str, targets), "-o", str(scratch / "cached")], pycache)
        # interleaved, so that a busy spell of the machine hits both alike; best run counts
        fl, ours, cached, before = None, None, None, None
        for _ in range(a.repeat):
            fl = _best(fl, floor_write(recs, scratch, 1))
            ours = _best(ours, batch_build(targets, scratch / "out", a.jobs, 1))
            cached = _best(cached, batch_build(targets, scratch / "cached", a.jobs, 1, pycache=pycache))
            if a.against:
                before = _best(before, batch_build(targets, scratch / "before", a.jobs, 1, a.against))
        vr = validate_vs_read(paths, min(a.sample, len(paths)))
        cold = cold_starts(paths[0], a.repeat)
        portal = portal_figures(a.portal_clients, a.portal_uploads, a.portal_database_url, scratch)
        result = {
            "n": len(paths),
            "cores": os.cpu_count(),
            "jobs": a.jobs or os.cpu_count(),
            "python": platform.python_version(),
            "ours": ours,
            "floor": fl,
            "ratio": ours["seconds"] / fl["seconds"],
            # issue 22's batch figure: each build against the floor run just before it
            "pair_ratios": [o / f for o, f in zip(ours["runs"], fl["runs"], strict=True)],
            "cached": cached,
            "pair_ratios_cached": [o / f for o, f in zip(cached["runs"], fl["runs"], strict=True)],
            # the same in CPU time, which other sessions on the machine move much less: what the
            # wall ratio comes to with two free cores, start-up and the serial tail aside
            "cpu_figure": ours["cpu_seconds"] / (a.jobs or os.cpu_count()) / fl["cpu_seconds"],
            "validate_vs_read": vr,
            "cold_start": cold,
        }
        if a.against:
            result["against"] = against(a.against.resolve(), ours, before, cold, paths,
                                        min(a.sample, len(paths)))
        n = result["n"]
        print(f"N = {n} workbooks, {result['cores']} cores, build --jobs {result['jobs']}")
        print(f"(a) ours:  chosho-xlsx build            {ours['seconds']:7.2f} s "
              f"({ours['seconds'] / n * 1000:.1f} ms/workbook, {ours['built']} 調書 + 一覧)")
        print(f"(b) floor: raw XlsxWriter, one process  {fl['seconds']:7.2f} s "
              f"({fl['seconds'] / max(fl['workbooks'], 1) * 1000:.1f} ms/workbook, {fl['calls']} calls)")
        print(f"(a') ours, bytecode cached (as pip install . leaves it) {cached['seconds']:7.2f} s "
              f"(CPU {cached['cpu_seconds']:.2f} s)")
        print(f"ratio (a)/(b): {result['ratio']:.2f}; (a')/(b): {cached['seconds'] / fl['seconds']:.2f}")
        print(f"    (a) used {ours['cpu_seconds']:.2f} s of CPU ({ours['cpu_seconds'] / n * 1000:.1f} ms/workbook): "
              f"CPU per core / floor = {ours['cpu_seconds'] / result['jobs'] / fl['seconds']:.2f}; "
              f"/ the floor's CPU ({fl['cpu_seconds']:.2f} s) = {result['cpu_figure']:.2f}")
        print(f"validate one workbook (warm): {vr['validate_ms']:.1f} ms; raw calamine read: "
              f"{vr['raw_read_ms']:.1f} ms; ratio {vr['ratio']:.1f} (median of {vr['files']} files x3)")
        print(f"cold start: python -c pass {cold['python_s']:.3f} s; chosho-xlsx --help {cold['help_s']:.3f} s; "
              f"validate one file {cold['validate_s']:.3f} s")
        if a.against:
            ag = result["against"]
            print(f"against {ag['src']}: build {ag['build']['seconds']:.2f} s before, "
                  f"{ours['seconds']:.2f} s now: ratio after/before {ag['build_ratio']:.2f} "
                  f"(CPU {ag['cpu_ratio']:.2f})")
            v = ag["validate_ms"]
            print(f"    validate one workbook (warm): {v['before']:.1f} ms before, {v['after']:.1f} ms now: "
                  f"ratio {v['ratio']:.2f}; cold validate ratio {ag['validate_cold_ratio']:.2f}")
        result["batch_figure"] = statistics.median(result["pair_ratios"])
        result["batch_figure_cached"] = statistics.median(result["pair_ratios_cached"])
        result["portal"] = portal
        print_goals(result)
        if a.json:
            a.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    finally:
        if not a.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    # the batch and portal figures are printed above
    return _issue_figures([], a.repeat, a.copies, a.against and a.against.resolve())


def _issue_figures(measured: list, repeat: int, copies: int, against: Path | None = None) -> int:
    """Issue 22's table: each figure as measured now against its floor and its goal (and
    the code in `against` beside ours where figures.py measures it)."""
    scratch = Path(tempfile.mkdtemp(prefix="chosho-figures-"))
    try:
        rows = figures.measure(scratch, repeat, copies, against) + measured
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("validation and start-up against their goals (issue 22; wall clock, best of the runs, "
          "CPU time in parentheses):")
    for f in rows:
        print("    " + f.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
