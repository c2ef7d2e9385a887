"""Which files a batch (or validate) takes as its inputs: the files and folders named,
less what this tool wrote. Apart from build.py so that `validate` finds its inputs
without loading the writers of the 調書, the 一覧 and the 概要 (start-up time)."""

from __future__ import annotations

from pathlib import Path

# The start of a batch's hidden temporary folder in OUT (batch.leftovers makes and sweeps
# them): here, so that a folder's listing leaves them out without importing leftovers
# (tempfile, common.atomic: ~16 M instructions of a `validate DIR`)
TEMP_PREFIX = ".chosho-build-"


def inputs(files: list[Path], out: Path | None = None) -> list[Path]:
    """The inputs named (folders expanded), leaving out of the folders what this tool
    wrote: workbooks that carry its mark (outputs.written_by_us: each 調書 and 一覧,
    wherever they were copied and however renamed), unfinished temporary files, and
    everything under OUT when OUT is a subfolder of a folder given (validate has none)."""
    # lazy: the mark's reader is build's (validate looks for the mark as it checks each file)
    from chosho_xlsx.writers.outputs import written_by_us

    return [p for p, named in candidates(files, out) if named or written_by_us(p) is None]


def candidates(files: list[Path], out: Path | None = None) -> list[tuple[Path, bool]]:
    """inputs() before the look for our mark: (path, named) for each, `named` when the
    user named the file itself (kept whatever it is), else found in a folder (to be left
    out if it carries our mark). validate looks for the mark as it checks each file
    (check_file's E-FILE-OUTPUT), in its workers, rather than opening every file of a
    folder here first (~0.2 ms a file, one after another)."""
    # lazy: what only a folder needs (leftovers, tempfile; ~2.5 ms), not for files named one by one
    from chosho_xlsx.intake.files import expand, real

    target = real(out) if out is not None else None
    folders = [real(f) for f in files if f.is_dir()]
    inside = target is not None and any(target != f and target.is_relative_to(f) for f in folders)

    def ours(r: Path) -> bool:
        if any(part.startswith(TEMP_PREFIX) for part in r.parent.parts):
            return True  # a batch's unfinished temporary files, wherever they are
        return inside and r.is_relative_to(target)

    named = {real(f) for f in files if not f.is_dir()}
    out_list = []
    for p in expand(files):
        r = real(p)
        if r in named:
            out_list.append((p, True))
        elif not ours(r):
            out_list.append((p, False))
    return out_list
