"""Benchmark: N built 調書 → one book with `publish`, against converting one 調書 alone.

    python bench/publish.py -n 100 [--jobs 1 2] [--repeat R] [--inputs DIR] [--pdfa]

Generates N department workbooks (bench/generate.py), builds them once (not timed), then:
(a) one 調書 printed to PDF alone by LibreOffice (libreoffice.to_pdf: a fresh soffice
    process, its start-up included, as `preview FILE` does), best of R;
(b) `publish` of the N built 調書 and their 一覧 into one book, for each --jobs value,
    best of R, with its phases: the parts' LibreOffice run, the front matter and footer
    run, the assembly with pikepdf.
Seconds per 調書 = (b) / N, against (a). CPU seconds (this process and the soffice
processes it waited for) are printed beside the wall clock: on a shared machine they
vary less."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def cpu() -> float:
    """CPU seconds so far of this process and its finished children (soffice)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--inputs", type=Path, help="department workbooks to use instead of generating")
    ap.add_argument("--pdfa", action="store_true")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args(argv)

    from chosho_xlsx.batch import build as batch
    from chosho_xlsx.book.publish import publish
    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.render import libreoffice

    settings = load_ruleset()
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        root = Path(tmp)
        inputs = args.inputs
        if inputs is None:
            from generate import generate

            inputs = root / "inputs"
            generate(inputs, args.n, seed=1)
        built = root / "built"
        run = batch.run(sorted(inputs.glob("*.xlsx"))[: args.n], built, settings)
        choshos = [e.path for e in run.built]
        n = len(choshos)
        print(f"{n} 調書 built (not timed); publishing them and the 一覧", flush=True)

        alone, alone_cpu = [], []
        for k in range(args.repeat):
            start, used = time.perf_counter(), cpu()
            libreoffice.to_pdf(choshos[0], root / f"alone{k}")
            alone.append(time.perf_counter() - start)
            alone_cpu.append(cpu() - used)
        one = min(alone)
        pages = libreoffice.pdf_page_count(next((root / "alone0").glob("*.pdf")))
        print(f"(a) one 調書 alone (soffice start included): {one:.2f} s, CPU {min(alone_cpu):.2f} s "
              f"({pages} pages)", flush=True)

        figures = {"n": n, "alone_s": one, "alone_runs": alone, "alone_cpu": alone_cpu, "books": []}
        for jobs in args.jobs:
            runs = []
            for k in range(args.repeat):
                start, used = time.perf_counter(), cpu()
                result = publish([built], root / f"book-{jobs}-{k}.pdf", settings, pdfa=args.pdfa, jobs=jobs)
                runs.append((time.perf_counter() - start, result, cpu() - used))
            best, result, used = min(runs, key=lambda r: r[0])
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
            print(f"(b) publish --jobs {jobs}: {best:.1f} s for {n} 調書, {result.pages} pages "
                  f"= {best / n:.2f} s per 調書 ({best / n / one:.2f} x one alone); CPU {used:.1f} s "
                  f"({used / n:.2f} s per 調書); {phases}",
                  flush=True)
            figures["books"].append({"jobs": jobs, "seconds": best, "runs": [r[0] for r in runs],
                                     "cpu": used,
                                     "per_chosho": best / n, "pages": result.pages,
                                     "phases": result.seconds})
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
