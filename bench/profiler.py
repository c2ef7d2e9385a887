"""Where a workbook's time goes: check_file and write_chosho over some inputs, warm,
under pyinstrument (pip install pyinstrument, or '.[bench]') or, without it, cProfile.

    python bench/profiler.py DIR [-n 20] [--cprofile]

DIR holds department workbooks (bench/generate.py writes some). The first input is
processed once before profiling, so imports and first-call caches are left out; the
cold start is measured by run.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", type=Path)
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--cprofile", action="store_true", help="cProfile (sorted by own time) instead")
    a = ap.parse_args(argv)

    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.pipeline import check_file
    from chosho_xlsx.writers.layout import write_chosho

    settings = load_ruleset()
    paths = sorted(a.inputs.glob("*.xlsx"))[: a.n]
    out = Path(a.inputs) / ".profile-out.xlsx"

    def work():
        for p in paths:
            checked = check_file(p, settings)
            if checked.ok and checked.report is not None:
                write_chosho(checked.report, out, settings)

    checked = check_file(paths[0], settings)  # warm
    if checked.report is not None:
        write_chosho(checked.report, out, settings)
    try:
        if a.cprofile:
            raise ImportError
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        work()
        prof.disable()
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(40)
    else:
        prof = Profiler(interval=0.0005)
        prof.start()
        work()
        prof.stop()
        print(prof.output_text(unicode=True, color=False))
    out.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
