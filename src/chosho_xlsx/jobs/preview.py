"""The PDF preview of one version: its 調書 built and printed by LibreOffice."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.errors import ChoshoError
from chosho_xlsx.jobs.inputs import Stored, copies, rules
from chosho_xlsx.jobs.progress import JobFailed, Progress, first_sentence, sentence
from chosho_xlsx.render.preview import preview

STAGE = "preview"


def preview_pdf(stored: list[Stored], target: Path, progress: Progress) -> dict:
    """The 調書 of the one stored version printed to PDF at `target` (the portal keeps it
    by the version's hash). JobFailed when it has errors or LibreOffice is missing."""
    # lazy: the portal imports the jobs' names; the batch and its writers (~0.3 s) load in the worker that runs one
    from chosho_xlsx.batch.build import run
    progress.step(STAGE, 0, 2)
    with tempfile.TemporaryDirectory(prefix="chosho-job-") as tmp:
        paths = copies(stored[:1], Path(tmp) / "提出")
        batch = run(paths, Path(tmp) / "調書", rules(), jobs=1, summary=False, labels=[p.name for p in paths])
        if not batch.built:
            raise JobFailed(sentence("no-chosho-from-errors"))
        progress.step(STAGE, 1, 2)
        try:
            pdf = preview(batch.built[0].path, Path(tmp) / "pdf").pdf
        except ChoshoError as exc:
            raise JobFailed(sentence("preview-failed", error=first_sentence(exc))) from None
        with atomic_path(Path(target)) as out:
            shutil.copyfile(pdf, out)
    progress.step(STAGE, 2, 2)
    return {}
