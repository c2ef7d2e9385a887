"""The year's book: `publish` on the submitted workbooks of a 実施年度, with progress."""

from __future__ import annotations

import tempfile
from pathlib import Path

from chosho_xlsx.book.publish import publish
from chosho_xlsx.common.errors import ChoshoError
from chosho_xlsx.jobs.inputs import Stored, copies, rules
from chosho_xlsx.jobs.progress import JobFailed, Progress, first_sentence, sentence


def year_book(stored: list[Stored], target: Path, progress: Progress, *, pdfa: bool = False,
              jobs: int | None = None) -> dict:
    """The book of these workbooks at `target` (cover, contents, bookmarks, page numbers,
    tagged PDF; PDF/A-2b with `pdfa`). JobFailed when a workbook cannot be built or
    LibreOffice is missing or fails."""
    if not stored:
        raise JobFailed(sentence("no-book"))
    with tempfile.TemporaryDirectory(prefix="chosho-job-") as tmp:
        paths = copies(stored, Path(tmp) / "提出")
        labels = {p: p.name for p in paths}
        try:
            result = publish(paths, Path(target), rules(), pdfa=pdfa, jobs=jobs,
                             progress=progress.step, labels=labels)
        except ChoshoError as exc:  # PublishError, UnreadableFile, LibreOffice missing or failing
            raise JobFailed(first_sentence(exc)) from None
    if result.book is None:
        failed = [e.outcome.source for e in result.batch.failed] if result.batch else []
        names = "、".join(Path(str(f)).stem for f in failed[:3])
        raise JobFailed(sentence("unbuildable", names=names))
    return {"pages": result.pages, "policies": sum(1 for s in result.sources)}
