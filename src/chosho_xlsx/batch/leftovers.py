"""A batch's hidden temporary folder in OUT: held while the batch runs, removed by a
later batch when the one that made it is gone (killed with kill -9, the machine lost
power). (Its worker processes end with it: common.workers.die_with_parent.)

The folder is made under a name no sweeper looks at, locked (flock on the folder
itself), and only then renamed to 「.chosho-build-…」: every such folder is locked for as
long as its batch lives, and the kernel drops the lock when the process ends, however
it ends. A later batch removes a 「.chosho-build-…」 folder only when it can take that
lock (its batch is gone) and the folder holds nothing but what a batch writes there
(「3.xlsx」, the atomic writer's 「.3.xlsx.….tmp」): provably ours and stale. Another
batch still running into the same OUT keeps its folder. The atomic writer's temporary
files of the 一覧 and the manifest are locked while written (common.atomic.atomic_path)
and swept the same way, once a few seconds old (common.atomic.sweep_temporaries).
Without flock (Windows) nothing can be proved stale, and nothing is swept."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from chosho_xlsx.batch.sources import TEMP_PREFIX as PREFIX
from chosho_xlsx.common.atomic import sweep_temporaries, temporary_of

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

_UNBORN = ".chosho-new-"
_OURS = re.compile(r"\d+\.xlsx|\.\d+\.xlsx\.[A-Za-z0-9_]+\.tmp")


class Held:
    """A temporary folder and the lock that says its batch is alive."""

    def __init__(self, out: Path):
        unborn = Path(tempfile.mkdtemp(prefix=_UNBORN, dir=out))
        self._fd = _lock(unborn)
        self.path = out / (PREFIX + unborn.name[len(_UNBORN):])
        os.rename(unborn, self.path)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _lock(folder: Path) -> int | None:
    """An exclusive lock on `folder`, or None when flock does not exist here. Raises
    BlockingIOError when another process holds it."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def _temporaries(names: tuple[str, ...]):
    return temporary_of("|".join(map(re.escape, names)) or "(?!)")


def temporaries(out: Path, names: tuple[str, ...]) -> set[str] | None:
    """The names of the atomic writer's temporary files in `out`, now, of the files
    called `names` (before a batch's own writers start on them: see sweep_lost); None
    when `out` cannot be listed (a folder one may write in but not read)."""
    pattern = _temporaries(names)
    try:
        with os.scandir(out) as entries:
            return {e.name for e in entries if pattern.fullmatch(e.name)}
    except OSError:
        return None


def sweep_lost(out: Path, names: tuple[str, ...], before: set[str] | None) -> list[Path]:
    """Remove the temporary files of `names` that this batch's writers left in `out` as
    they were killed (a list's worker lost, the keeper gone, Ctrl-C while they wrote):
    those that were not there `before` they started and that no live process writes,
    whatever their age; only once those writers are gone (waited for, or known dead).
    A concurrent batch's own list caught between its temporary's creation and its lock
    (a few microseconds) would lose that list, and say so. Nothing when `before` is
    unknown (None)."""
    if before is None:
        return []
    return sweep_temporaries(out, _temporaries(names), settle=None, spare=before)


def sweep(out: Path, names: tuple[str, ...] = ()) -> list[Path]:
    """Remove the temporary folders in `out` of batches that have ended without cleaning
    up (see the module doc), and the atomic writer's temporary files
    (「.NAME.xxxxxxxx.tmp」, locked while written) of the files called `names` that no
    live process is writing; what was removed."""
    if fcntl is None:
        return []
    removed = sweep_temporaries(out, _temporaries(names))
    for folder in sorted(out.glob(PREFIX + "*")):
        if folder.is_symlink() or not folder.is_dir():
            continue
        try:
            fd = _lock(folder)
        except OSError:
            continue  # its batch is still running (or the folder cannot be opened)
        try:
            entries = list(os.scandir(folder))
            if all(e.is_file(follow_symlinks=False) and _OURS.fullmatch(e.name) for e in entries):
                for e in entries:
                    os.unlink(e.path)
                os.rmdir(folder)
                removed.append(folder)
        except OSError:
            pass
        finally:
            if fd is not None:
                os.close(fd)
    return removed
