"""`chosho-xlsx doctor`, `backup` and `restore`: that the database and the stored files
agree, and the whole portal (database + files + secret key) in one archive and back.

The archive is a .tar.gz holding the database as Django's JSON dump (the same for SQLite
and PostgreSQL, so a backup of one restores into the other), every stored upload, every
built ZIP and the secret key. Django is set up before these run (cli.portal.setup)."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from chosho_xlsx.portal.datadir import DataDir, sha256_of

FORMAT = 1
MANIFEST, DUMP = "chosho-backup.json", "database.json"
# what a dump holds: the users and the portal; not sessions, lockouts or Django's caches
APPS = ["auth.user", "auth.group", "portal"]


@dataclass
class Health:
    problems: list[str] = field(default_factory=list)  # the database and the files disagree
    notes: list[str] = field(default_factory=list)  # harmless leftovers
    uploads: int = 0
    builds: int = 0


def doctor(data: DataDir) -> Health:
    """Every version's file is there and matches its hash; every build's ZIP is there.
    Files no version names (a refused upload's, a crash's) and unfinished temporary
    files are harmless and only noted."""
    from chosho_xlsx.portal.models import Build, Upload

    health = Health()
    named: set[Path] = set()
    for u in Upload.objects.only("pk", "sha256", "suffix", "version", "policy_id").iterator():
        health.uploads += 1
        path = data.blob(u.sha256, u.suffix)
        named.add(path)
        if not path.exists():
            health.problems.append(f"版 id={u.pk} のファイルがありません / file of upload {u.pk} missing: {path}")
        elif sha256_of(path) != u.sha256:
            health.problems.append(f"版 id={u.pk} のファイルが壊れています / file of upload {u.pk} damaged: {path}")
    for b in Build.objects.only("pk").iterator():
        health.builds += 1
        if not data.build(b.pk).exists():
            health.problems.append(f"一括作成 id={b.pk} の ZIP がありません / ZIP of build {b.pk} missing")
    unnamed = [p for p in data.blobs() if p not in named]
    if unnamed:
        health.notes.append(f"どの版にも属さないファイル {len(unnamed)} 件（受け付けなかったアップロードなど。害はありません）"
                            f" / {len(unnamed)} stored files belong to no version (refused uploads; harmless)")
    temps = [p for p in data.root.rglob(".*.tmp") if p.is_file()]
    if temps:
        health.notes.append(f"書きかけの一時ファイル {len(temps)} 件（中断の跡。害はありません）"
                            f" / {len(temps)} unfinished temporary files (from an interruption; harmless)")
    return health


def _members(data: DataDir):
    """(name in the archive, path) of every file a backup holds besides the dump."""
    yield "secret_key", data.root / "secret_key"
    for folder in ("files", "builds"):
        base = data.root / folder
        if base.is_dir():
            for p in sorted(base.rglob("*")):
                if p.is_file() and not p.name.startswith("."):
                    yield p.relative_to(data.root).as_posix(), p


def backup(data: DataDir, target: Path) -> dict:
    """Write the archive atomically; returns its manifest."""
    from django.core.management import call_command
    from django.db import transaction

    from chosho_xlsx.portal.models import Upload
    from chosho_xlsx.writers.atomic import atomic_path

    dump = io.StringIO()
    with transaction.atomic():  # one consistent reading of the database
        call_command("dumpdata", *APPS, format="json", indent=None, stdout=dump)
        manifest = {"format": FORMAT, "uploads": Upload.objects.count()}
    # Files after the dump: every version in it was stored before its row was written.
    with atomic_path(target) as tmp, tarfile.open(tmp, "w:gz") as tar:
        for name, content in ((MANIFEST, json.dumps(manifest).encode()), (DUMP, dump.getvalue().encode())):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for name, path in _members(data):
            tar.add(path, arcname=name, recursive=False)
    return manifest


class RestoreError(Exception):
    """One sentence for the user."""


def _safe_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and ".." not in parts and (
        name == "secret_key" or parts[0] in ("files", "builds"))


def read_archive(archive: Path) -> tuple[dict, bytes, list[tuple[str, bytes]]]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            found = {m.name: m for m in tar.getmembers() if m.isfile()}
            if MANIFEST not in found or DUMP not in found:
                raise RestoreError(f"chosho-xlsx のバックアップではありません / not a chosho-xlsx backup: {archive}")
            manifest = json.loads(tar.extractfile(found[MANIFEST]).read())
            dump = tar.extractfile(found[DUMP]).read()
            files = []
            for name, m in found.items():
                if name in (MANIFEST, DUMP):
                    continue
                if not _safe_name(name):
                    raise RestoreError(f"バックアップに不正なパスがあります / unsafe path in the backup: {name}")
                files.append((name, tar.extractfile(m).read()))
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise RestoreError(f"バックアップを読めません / cannot read the backup {archive}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise RestoreError(f"このバックアップの形式 {manifest.get('format')} は読めません / unknown backup format")
    return manifest, dump, files


def restore(data: DataDir, archive: Path) -> dict:
    """Into an empty portal (no user yet): the database rows, then the files."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from chosho_xlsx.writers.atomic import atomic_path

    manifest, dump, files = read_archive(archive)
    if get_user_model().objects.exists():
        raise RestoreError(f"{data.root} にはすでに利用者がいます。空のデータフォルダ（とデータベース）に戻してください"
                           f" / {data.root} is in use: restore into an empty data folder and database")
    for name, content in files:
        with atomic_path(data.root / name) as tmp:
            tmp.write_bytes(content)
    fixture = data.root / ".restore.json"
    fixture.write_bytes(dump)
    try:
        with transaction.atomic():
            call_command("loaddata", str(fixture), verbosity=0)
    finally:
        fixture.unlink()
    return manifest
