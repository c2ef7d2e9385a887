"""The data folder of a portal (`serve --data DIR`): where the database, the secret key
and every uploaded file live. No Django here: the commands use it before setting up.

    DIR/secret_key              generated on first start
    DIR/db.sqlite3              the SQLite database (unless CHOSHO_DATABASE_URL is set)
    DIR/files/ab/ab12….xlsx     each uploaded file once, named by its SHA-256
    DIR/derived/                annotated copies and PDF previews (can be deleted)
    DIR/builds/N.zip            each ZIP the planning division built
    DIR/jobs/N.pdf|.zip         each job's result (book, build all, rollovers)

Only the portal's user may read any of it: the folder is 0700 and the database, the
secret key, the uploads and the builds 0600, whatever the umask.

A path here is never made from data: a stored file's from a 64-digit hex digest and a
suffix of SUFFIXES, a build's from its number, a derived file's from a plain name; a
database row that says anything else (a restored backup naming 「../../etc/passwd」) is
refused where the path is made (StoredNameError), not only by `doctor`."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.portal.timing import phase

SUFFIXES = (".xlsx", ".xlsm", ".ods")
DIGEST = re.compile(r"[0-9a-f]{64}")
_DERIVED = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*(\.[0-9A-Za-z_-]+)*")
FOLDER_MODE, FILE_MODE = 0o700, 0o600


class StoredNameError(ValueError):
    """A stored file named by something we did not make: never turned into a path."""


def valid_blob_name(sha256: object, suffix: object) -> bool:
    return isinstance(sha256, str) and DIGEST.fullmatch(sha256) is not None and suffix in SUFFIXES


@dataclass(frozen=True)
class DataDir:
    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def database(self) -> Path:
        return self.root / "db.sqlite3"

    def prepare(self) -> None:
        """The folder made (or kept) private."""
        self.root.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        self.root.chmod(FOLDER_MODE)

    def private_database(self) -> None:
        """The SQLite database created private before SQLite creates it (its -wal and
        -shm files take its permissions)."""
        self.prepare()
        fd = os.open(self.database, os.O_RDWR | os.O_CREAT, FILE_MODE)
        os.close(fd)
        for path in (self.database, self.root / "db.sqlite3-wal", self.root / "db.sqlite3-shm"):
            with contextlib.suppress(FileNotFoundError):
                path.chmod(FILE_MODE)

    @contextlib.contextmanager
    def writing(self, path: Path) -> Iterator[Path]:
        """atomic_path for a file of the folder: its folders 0700, the file 0600."""
        self._folders(path.parent)
        with atomic_path(path, FILE_MODE) as tmp:
            yield tmp

    def _folders(self, folder: Path) -> None:
        missing = []
        while not folder.exists() and folder != self.root.parent:
            missing.append(folder)
            folder = folder.parent
        for f in reversed(missing):
            f.mkdir(mode=FOLDER_MODE, exist_ok=True)

    def secret_key(self) -> str:
        """The key Django signs sessions with: made once, kept in the folder."""
        self.prepare()
        path = self.root / "secret_key"
        if not path.exists():
            with self.writing(path) as tmp:
                tmp.write_text(secrets.token_urlsafe(50), encoding="ascii")
        path.chmod(FILE_MODE)
        return path.read_text(encoding="ascii").strip()

    def blob(self, sha256: str, suffix: str = ".xlsx") -> Path:
        """Where the file of that digest is kept; StoredNameError for anything but a
        64-digit lowercase hex digest and a suffix of SUFFIXES."""
        if not valid_blob_name(sha256, suffix):
            raise StoredNameError(f"{str(sha256)[:80]!r}{str(suffix)[:16]!r}")
        return self.root / "files" / sha256[:2] / f"{sha256}{suffix}"

    @contextlib.contextmanager
    def staged(self, data: bytes, suffix: str, sha256: str) -> Iterator[Staged]:
        """`data` (of that digest), ready to be kept under its hash by a transaction that
        may or may not make it a version: written and flushed to disk (fsync) in a private
        temporary file (DIR/incoming/) now, linked into place by Staged.keep() inside the
        transaction, removed at the end (the upload is examined from this copy too:
        services/files.store_and_examine). The slow part of keeping a file, the fsync, is
        thus done before the database's write lock is taken, not while every other upload
        waits for it; and bytes that no transaction keeps are never stored."""
        target = self.blob(sha256, suffix)
        if target.exists():  # the same bytes kept before: nothing to write
            yield Staged(self, data, target, None)
            return
        with contextlib.ExitStack() as stack:
            with phase("store"):
                path = stack.enter_context(self.incoming(data, suffix, durable=True))
            yield Staged(self, data, target, path)

    @contextlib.contextmanager
    def incoming(self, data: bytes, suffix: str, durable: bool = False) -> Iterator[Path]:
        """`data` in a private temporary file (DIR/incoming/, removed afterwards) for
        examining an upload before it is kept: bytes refused before they become a
        version are never stored. `durable`: flushed to disk before it is yielded."""
        if suffix not in SUFFIXES:
            raise StoredNameError(repr(suffix)[:20])
        folder = self.root / "incoming"
        self._folders(folder)
        fd, name = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            yield Path(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    def derived(self, name: str) -> Path:
        """A file made from stored ones; `name` a plain file name of ours."""
        if not isinstance(name, str) or not _DERIVED.fullmatch(name):
            raise StoredNameError(repr(name)[:80])
        return self.root / "derived" / name

    def build(self, number: int) -> Path:
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise StoredNameError(repr(number)[:80])
        return self.root / "builds" / f"{number}.zip"

    def job(self, number: int, suffix: str) -> Path:
        """A job's result: from its number and one of two suffixes, never from a stored name."""
        if not isinstance(number, int) or isinstance(number, bool) or number < 1 or suffix not in (".pdf", ".zip"):
            raise StoredNameError(repr((number, suffix))[:80])
        return self.root / "jobs" / f"{number}{suffix}"

    def blobs(self) -> dict[Path, str]:
        """Every stored file → the hash its name claims (for doctor)."""
        out = {}
        base = self.root / "files"
        if base.is_dir():
            for p in base.glob("*/*"):
                if p.is_file() and not p.name.startswith("."):
                    out[p] = p.name.split(".", 1)[0]
        return out


@dataclass(frozen=True)
class Staged:
    """A file DataDir.staged() prepared; keep() makes it the stored file of its hash."""

    folder: DataDir
    data: bytes
    target: Path
    source: Path | None  # the durable temporary copy; None when the target was there

    def keep(self) -> Path:
        """The file under its hash, complete (as atomic_path leaves it: the data on disk,
        the name written by the file system's journal). A hard link of the staged copy
        costs no write and no fsync; where the same bytes were kept meanwhile there is
        nothing to do; where there is no staged copy (the target was there when staging,
        and was removed since: a refused upload's file pruned) or no hard link (a file
        system without them), the bytes are written here."""
        if self.target.exists():
            return self.target
        self.folder._folders(self.target.parent)
        if self.source is not None:
            try:
                os.link(self.source, self.target)
                return self.target
            except FileExistsError:
                return self.target
            except OSError:
                pass
        with self.folder.writing(self.target) as tmp:
            tmp.write_bytes(self.data)
        return self.target


def sha256_of(path: os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
