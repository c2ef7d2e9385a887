"""Build all: every submitted workbook of a year built by `build`, with the 一覧, in one ZIP."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.jobs.inputs import Stored, copies, rules
from chosho_xlsx.jobs.progress import JobFailed, Progress, sentence

STAGE = "build"


def build_all(stored: list[Stored], target: Path, progress: Progress, *, jobs: int | None = 1) -> dict:
    """The ZIP at `target`: each 調書 built and the 一覧 (the same bytes for the same
    submissions: the copies are named by label, the ZIP lists them in build order)."""
    # lazy: the portal imports the jobs' names; the batch and its writers (~0.3 s) load in the worker that runs one
    from chosho_xlsx.batch.build import run
    if not stored:
        raise JobFailed(sentence("nothing-submitted"))
    done = 0

    def on_done(outcome) -> None:
        nonlocal done
        done += 1
        progress.step(STAGE, done, len(stored))

    progress.step(STAGE, 0, len(stored))
    with tempfile.TemporaryDirectory(prefix="chosho-job-") as tmp:
        paths = copies(stored, Path(tmp) / "提出")
        batch = run(paths, Path(tmp) / "調書", rules(), jobs=jobs, summary=True,
                    labels=[p.name for p in paths], on_done=on_done)
        files = [e.path for e in batch.built] + [p for p in (batch.summary, batch.overview) if p]
        with atomic_path(Path(target)) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, path.name)
    return {"policies": len(batch.built)}
