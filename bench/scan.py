"""The cost of the streamed XML pass (intake.scan.scan_cells) and of check_file, per
workbook, warm, best of 5 passes over a folder of inputs (bench/generate.py).

    python bench/scan.py DIR
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from chosho_xlsx.contract.spec import SHEET_NAMES
from chosho_xlsx.intake.scan import scan_cells
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file


def best_ms(files: list[Path], fn, passes: int = 5) -> float:
    runs = []
    for _ in range(passes):
        start = time.perf_counter()
        for f in files:
            fn(f)
        runs.append((time.perf_counter() - start) / len(files) * 1000)
    return min(runs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", type=Path, help="a folder of department workbooks (generate.py)")
    files = sorted(ap.parse_args(argv).inputs.glob("*.xlsx"))
    if not files:
        ap.error("no .xlsx in that folder")
    settings = load_ruleset()
    for f in files:  # warm: imports, caches
        check_file(f, settings)
    scan = best_ms(files, lambda f: scan_cells(f, SHEET_NAMES, settings.limits))
    check = best_ms(files, lambda f: check_file(f, settings))
    print(f"{len(files)} workbooks: scan_cells {scan:.2f} ms/workbook; check_file {check:.2f} ms/workbook")


if __name__ == "__main__":
    main()
