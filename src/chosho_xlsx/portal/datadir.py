"""The data folder of a portal (`serve --data DIR`): where the database, the secret key
and every uploaded file live. No Django here: the commands use it before setting up.

    DIR/secret_key              generated on first start, readable by its owner only
    DIR/db.sqlite3              the SQLite database (unless CHOSHO_DATABASE_URL is set)
    DIR/files/ab/ab12….xlsx     each uploaded file once, named by its SHA-256
    DIR/derived/                annotated copies and PDF previews (can be deleted)
    DIR/builds/N.zip            each ZIP the planning division built
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from chosho_xlsx.writers.atomic import atomic_path


@dataclass(frozen=True)
class DataDir:
    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def database(self) -> Path:
        return self.root / "db.sqlite3"

    def secret_key(self) -> str:
        """The key Django signs sessions with: made once, kept in the folder."""
        path = self.root / "secret_key"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                tmp.write_text(secrets.token_urlsafe(50), encoding="ascii")
                tmp.chmod(0o600)
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip()

    def blob(self, sha256: str, suffix: str = ".xlsx") -> Path:
        return self.root / "files" / sha256[:2] / f"{sha256}{suffix}"

    def store(self, data: bytes, suffix: str) -> tuple[str, Path]:
        """Keep `data` under its hash (once: the same bytes are the same file); the file
        appears complete or not at all."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.blob(sha, suffix)
        if not path.exists():
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
        return sha, path

    def derived(self, name: str) -> Path:
        return self.root / "derived" / name

    def build(self, number: int) -> Path:
        return self.root / "builds" / f"{number}.zip"

    def blobs(self) -> dict[Path, str]:
        """Every stored file → the hash its name claims (for doctor)."""
        out = {}
        base = self.root / "files"
        if base.is_dir():
            for p in base.glob("*/*"):
                if p.is_file() and not p.name.startswith("."):
                    out[p] = p.name.split(".", 1)[0]
        return out


def sha256_of(path: os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
