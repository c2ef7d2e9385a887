"""Atomic writes: a file appears complete or not at all, never half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


def _file_mode(target: Path) -> int:
    """Keep an existing file's mode; a new file gets what open() would give it
    (mkstemp's 0600 would hide the 調書 from colleagues on a shared drive)."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(target: Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`, on any
    failure it is removed and `target` is left as it was. `mode`: the new file's
    permissions (else an existing file's, or what open() would give)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The target's name says what the temporary file is for, cut so that the temporary
    # name stays within 255 bytes however long the target's is.
    hint = target.name.encode("utf-8", "surrogateescape")[:200].decode("utf-8", "ignore")
    fd, tmp = tempfile.mkstemp(prefix=f".{hint}.", suffix=".tmp", dir=target.parent)
    if fcntl is not None:  # held until the end: a sweeper can tell a live write from a dead one
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(target) if mode is None else mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)


def write_text_atomic(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
