"""Next year's workbooks: every 施策's submission rolled over (`rollover`), in one ZIP."""

from __future__ import annotations

import zipfile
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.errors import ChoshoError
from chosho_xlsx.jobs.inputs import Stored, rules
from chosho_xlsx.jobs.progress import JobFailed, Progress, first_sentence, sentence
from chosho_xlsx.model import fiscal
from chosho_xlsx.writers.naming import safe_stem

STAGE = "rollover"
NOT_ROLLED = "繰り越せなかった施策.txt"


def rollover_all(stored: list[Stored], target: Path, progress: Progress, *, to: int) -> dict:
    """The ZIP at `target`: `<label>.xlsx` for each workbook rolled to 実施年度 `to`, and
    NOT_ROLLED naming those that could not be (with the reason), if any."""
    # lazy: the portal imports the jobs' names; the batch and its writers (~0.3 s) load in the worker that runs one
    from chosho_xlsx.cycle.rollover import rollover_bytes, rollover_file
    if not stored:
        raise JobFailed(sentence("nothing-to-roll"))
    ruleset = rules()
    skipped: list[str] = []
    label = fiscal.label(to)
    with atomic_path(Path(target)) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, s in enumerate(stored):
            progress.step(STAGE, k, len(stored))
            try:
                content = rollover_bytes(rollover_file(s.path, ruleset, to=to, name=s.label))
            except ChoshoError as exc:  # RolloverError, RolloverRefused
                skipped.append(f"{s.label}: {first_sentence(exc)}")
                continue
            zf.writestr(_entry(f"{label}_入力ブック_繰越_{safe_stem(s.label)}.xlsx"), content)
        if skipped:
            zf.writestr(_entry(NOT_ROLLED), "\n".join(skipped) + "\n")
        progress.step(STAGE, len(stored), len(stored))
    return {"policies": len(stored) - len(skipped), "skipped": len(skipped)}


def _entry(name: str) -> zipfile.ZipInfo:
    """A member dated 1980-01-01: the same submissions make the same ZIP, byte for byte."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
