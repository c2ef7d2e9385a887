"""The benchmark scripts run (tiny N); their figures are not checked here: benchmarks
are not unit tests (bench/README.md has the measured ones)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import openpyxl
import pytest

from support import ROOT

pytestmark = pytest.mark.slow

BENCH = ROOT / "bench"


def test_generate_writes_valid_varied_workbooks(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH / "generate.py"), str(tmp_path), "-n", "4", "--broken", "1",
                           "--jobs", "1"], capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    files = sorted(tmp_path.glob("*.xlsx"))
    assert [f.name for f in files] == [f"dept_{i:04d}.xlsx" for i in range(1, 5)]
    check = subprocess.run([sys.executable, "-m", "chosho_xlsx.cli", "validate", str(tmp_path), "--format", "json"],
                           capture_output=True, text=True, encoding="utf-8")
    result = json.loads(check.stdout)
    assert [f["errors"] for f in result["files"]] == [0, 0, 1, 0]  # only the broken one
    policies = {openpyxl.load_workbook(f, read_only=True)["調書"]["B4"].value for f in files}
    assert len(policies) == 4


def test_same_seed_same_workbooks(tmp_path):
    for d in ("a", "b"):
        subprocess.run([sys.executable, str(BENCH / "generate.py"), str(tmp_path / d), "-n", "2", "--jobs", "1"],
                       check=True, capture_output=True)
    assert [p.read_bytes() for p in sorted((tmp_path / "a").glob("*"))] == \
        [p.read_bytes() for p in sorted((tmp_path / "b").glob("*"))]


def test_floor_replays_exactly_what_the_writer_writes(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        import floor
    finally:
        sys.path.remove(str(BENCH))
    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.pipeline import check_book, example_book
    from chosho_xlsx.writers.layout import write_chosho

    settings = load_ruleset()
    report = check_book(example_book(), settings).report
    rec = floor.record(report, settings, tmp_path / "recorded.xlsx")
    floor.replay(rec, tmp_path / "replayed.xlsx")
    write_chosho(report, tmp_path / "written.xlsx", settings)
    written = (tmp_path / "written.xlsx").read_bytes()
    assert (tmp_path / "replayed.xlsx").read_bytes() == written == (tmp_path / "recorded.xlsx").read_bytes()
    assert rec.calls > 500


def _own_portal_env() -> dict:
    """This environment without what the portal tests of the same session set in it (their
    settings module, on a path the server run.py starts cannot import, their data folder)."""
    import os

    drop = {"DJANGO_SETTINGS_MODULE", "CHOSHO_DATA", "CHOSHO_DATABASE_URL"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_run_prints_the_ratio(tmp_path):
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), "-n", "3", "--repeat", "1", "--sample", "2",
                           "--portal-clients", "2", "--portal-uploads", "3", "--copies", "2", "--json", str(out)],
                          capture_output=True, text=True, encoding="utf-8", timeout=600, env=_own_portal_env())
    assert proc.returncode == 0, proc.stderr
    assert "ratio (a)/(b):" in proc.stdout
    # issue 22's table, each figure against its goal (met or not: figures are not checked)
    for figure in ("check_file of the example", "validate DIR of 2 copies", "chosho-xlsx --version",
                   "batch: build ÷ floor"):
        assert figure in proc.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["n"] == 3 and data["ours"]["built"] == 3 and data["floor"]["workbooks"] == 3
    assert data["ratio"] > 0 and data["validate_vs_read"]["raw_read_ms"] > 0
    assert set(data["cold_start"]) == {"python_s", "help_s", "validate_s"}
    # the batch and portal figures of issue 22, against their goals, in the same run
    assert len(data["pair_ratios"]) == 1 and data["batch_figure"] == data["pair_ratios"][0]
    assert data["cpu_figure"] > 0 and data["floor"]["cpu_seconds"] > 0
    assert "batch, CPU: build's CPU per core ÷ the floor's CPU: " in proc.stdout
    assert data["portal"]["sqlite"]["requests"] == 6 and data["portal"]["sqlite"]["problems"] == 0
    assert "batch: build ÷ floor, median of 1 interleaved pairs" in proc.stdout
    # the same build as `pip install .` leaves it (bytecode compiled once), in the same run
    assert data["cached"]["built"] == 3 and data["batch_figure_cached"] == data["pair_ratios_cached"][0] > 0
    assert "the same, our bytecode cached (as installed by pip install .) (" in proc.stdout
    assert "portal (sqlite), 2 clients × 3 uploads: p95 " in proc.stdout


def test_run_against_another_checkout_times_both(tmp_path):
    # This checkout's own src/ stands in for the code before a change: both builds must
    # run and both validate timings come back, whatever their figures.
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), "-n", "2", "--repeat", "1", "--sample", "2",
                           "--portal-clients", "0", "--copies", "2", "--against", str(ROOT / "src"),
                           "--json", str(out)],
                          capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "ratio after/before" in proc.stdout
    ag = json.loads(out.read_text(encoding="utf-8"))["against"]
    assert ag["src"] == str((ROOT / "src").resolve())
    assert ag["build"]["built"] == 2 and ag["build_ratio"] > 0 and ag["cpu_ratio"] > 0
    assert ag["validate_ms"]["before"] > 0 and ag["validate_ms"]["after"] > 0


def test_phases_prints_the_builds_timeline(tmp_path):
    subprocess.run([sys.executable, str(BENCH / "generate.py"), str(tmp_path), "-n", "3", "--broken", "1",
                    "--jobs", "1"], check=True, capture_output=True)
    proc = subprocess.run([sys.executable, str(BENCH / "phases.py"), str(tmp_path), "--jobs", "2"],
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("build of 3 inputs: 2 調書 built")
    for step in ("workers started, inputs sent", "first 調書 back", "調書 durable and in place",
                 "一覧 and 評価結果概要 written", "per input, worker CPU"):
        assert step in proc.stdout


def test_scan_and_profiler_scripts_run(tmp_path):
    # bench/profile.py once shadowed the standard library's `profile`, which cProfile
    # imports, so --cprofile died before profiling anything
    subprocess.run([sys.executable, str(BENCH / "generate.py"), str(tmp_path), "-n", "2", "--jobs", "1"],
                   check=True, capture_output=True)
    scan = subprocess.run([sys.executable, str(BENCH / "scan.py"), str(tmp_path)],
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert scan.returncode == 0, scan.stderr
    assert scan.stdout.startswith("2 workbooks: scan_cells ")
    prof = subprocess.run([sys.executable, str(BENCH / "profiler.py"), str(tmp_path), "-n", "1", "--cprofile"],
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert prof.returncode == 0, prof.stderr
    assert "function calls" in prof.stdout and "chosho_xlsx" in prof.stdout
    bare = subprocess.run([sys.executable, str(BENCH / "scan.py")], capture_output=True, text=True)
    assert bare.returncode == 2 and "Traceback" not in bare.stderr


def test_portal_jobs_prints_both_latencies(tmp_path):
    """bench/portal_jobs.py on a tiny N: both figures and their ratio printed (the ratio
    itself is a measurement, not checked here)."""
    from support.skips import missing_tools

    if missing_tools(()):
        import pytest

        pytest.skip("LibreOffice is not installed")
    proc = subprocess.run([sys.executable, str(BENCH / "portal_jobs.py"), "--policies", "3", "--clients", "2",
                           "--uploads", "1"], capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "2 clients x 1 uploads, book of 3 調書"
    assert lines[1].startswith("(a) no job:") and lines[2].startswith("(b) book printing:")
    assert lines[3].startswith("p95 (b)/(a): ")


def test_figures_against_another_checkout(tmp_path):
    """figures.py --against: the cold validate and validate DIR of that code beside ours,
    and the cold validate with our bytecode cached, printed whatever their figures."""
    proc = subprocess.run([sys.executable, str(BENCH / "figures.py"), "--repeat", "1", "--copies", "2",
                           "--against", str(ROOT / "src")],
                          capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "our bytecode cached (as installed by pip install .)" in proc.stdout
    if shutil.which("frictionless") is None:  # the bench extra is not installed (CI installs the test extra)
        assert "frictionless is not installed" in proc.stderr
        assert proc.stdout.count("against SRC: ") == 1  # validate DIR's
        return
    assert proc.stdout.count("against SRC: ") == 2
    assert "cold validate example.xlsx ÷ frictionless" in proc.stdout


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_instructions_script_counts(tmp_path):
    """bench/instructions.py on 2 generated inputs, one task counted: a figure printed."""
    subprocess.run([sys.executable, str(BENCH / "generate.py"), str(tmp_path), "-n", "2", "--jobs", "1"],
                   check=True, capture_output=True)
    proc = subprocess.run([sys.executable, str(BENCH / "instructions.py"), "--inputs", str(tmp_path),
                           "--first", "1", "-n", "1"], capture_output=True, text=True, encoding="utf-8",
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("write (this checkout, ") and " M instructions per 調書" in proc.stdout
