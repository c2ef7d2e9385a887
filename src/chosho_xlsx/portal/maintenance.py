"""`chosho-xlsx doctor`, `backup` and `restore`: that the database and the stored files
agree, and the whole portal (database + files + secret key) in one archive and back.

The archive is a .tar.gz holding the database as Django's JSON dump (the same for SQLite
and PostgreSQL, so a backup of one restores into the other), every stored upload, every
built ZIP and the secret key. Django is set up before these run (cli.portal.setup)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.portal.datadir import (
    FILE_MODE,
    DataDir,
    StoredNameError,
    sha256_of,
    valid_blob_name,
)

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
    # lazy: Django only once cli.portal has set it up (restore stages files before)
    from chosho_xlsx.portal.models import Build, Upload

    health = Health()
    named: set[Path] = set()
    pruned = 0
    for u in Upload.objects.only("pk", "sha256", "suffix", "version", "policy_id", "readable").iterator():
        health.uploads += 1
        try:
            path = data.blob(u.sha256, u.suffix)
        except StoredNameError:
            health.problems.append(f"版 id={u.pk} の保存名が不正です / upload {u.pk} names its file wrongly")
            continue
        named.add(path)
        if not path.exists() and not u.readable:
            pruned += 1  # refused evidence past the 課's quota (services.files.prune_refused)
        elif not path.exists():
            health.problems.append(f"版 id={u.pk} のファイルがありません / file of upload {u.pk} missing: {path}")
        elif sha256_of(path) != u.sha256:
            health.problems.append(f"版 id={u.pk} のファイルが壊れています / file of upload {u.pk} damaged: {path}")
    for b in Build.objects.only("pk").iterator():
        health.builds += 1
        if not data.build(b.pk).exists():
            health.problems.append(f"一括作成 id={b.pk} の ZIP がありません / ZIP of build {b.pk} missing")
    if pruned:
        health.notes.append(f"上限を超えて削除した、受け付けなかったアップロードのファイル {pruned} 件（記録は残っています）"
                            f" / {pruned} refused uploads' files removed past the quota (their records stay)")
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
    # lazy: Django only once cli.portal has set it up (restore stages files before)
    from django.core.management import call_command
    from django.db import transaction

    # lazy: Django only once cli.portal has set it up (restore stages files before)
    from chosho_xlsx.portal.models import Upload
    dump = io.StringIO()
    with transaction.atomic():  # one consistent reading of the database
        call_command("dumpdata", *APPS, format="json", indent=None, stdout=dump)
        manifest = {"format": FORMAT, "uploads": Upload.objects.count()}
    # Files after the dump: every version in it was stored before its row was written.
    with atomic_path(target, FILE_MODE) as tmp, tarfile.open(tmp, "w:gz") as tar:
        for name, content in ((MANIFEST, json.dumps(manifest).encode()), (DUMP, dump.getvalue().encode())):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for name, path in _members(data):
            tar.add(path, arcname=name, recursive=False)
    return manifest


class RestoreError(Exception):
    """One sentence for the user."""


# ---- restore: the whole archive checked before the data folder changes ----------------------
#
# An archive is input like any upload: a database row may name any path, a member may be a
# folder, a link or 2 GB. So it is read once, as a stream (never a whole member in memory),
# into a new folder beside the data folder: each member by its name, type and declared size
# before a byte of it is read; each stored file's SHA-256 against its name; the dump's every
# model and field against this portal's; every version's file and every build's ZIP against
# their rows. Only a complete folder replaces the (empty) data folder, by a rename.

KiB, GiB = 1024, 1024 ** 3
MAX_MEMBERS = 1_000_000
MAX_FILE = 4 * GiB  # one stored upload or build ZIP (uploads are refused past CHOSHO_MAX_UPLOAD_MB)
MAX_DUMP = 4 * GiB
MAX_SMALL = 64 * KiB  # the manifest, the secret key
MAX_TOTAL = 256 * GiB
_FILE = re.compile(r"files/([0-9a-f]{2})/([0-9a-f]{64})(\.xlsx|\.xlsm|\.ods)")
_BUILD = re.compile(r"builds/([1-9][0-9]{0,17})\.zip")
# what a data folder may hold and still be empty enough to restore into
_PORTAL_NAMES = {"db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm", "db.sqlite3-journal", "secret_key",
                 "files", "builds", "jobs", "derived", "incoming"}


def _bad(ja: str, en: str, archive: Path) -> RestoreError:
    return RestoreError(f"バックアップを戻せません（{ja}）。データフォルダは変えていません / "
                        f"cannot restore the backup ({en}); the data folder is unchanged: {archive}")


def unused(target: Path) -> None:
    """RestoreError unless `target` is missing, empty, or a portal folder with no user and
    no stored file (what `serve` made before anyone was added). Without Django."""
    if not target.exists():
        return
    if not target.is_dir():
        raise RestoreError(f"データフォルダではありません / not a folder: {target}")
    names = {p.name for p in target.iterdir()}
    stray = sorted(n for n in names - _PORTAL_NAMES if not n.startswith("."))
    busy = any(p.is_file() for folder in ("files", "builds", "jobs") for p in (target / folder).rglob("*"))
    if stray or busy or _has_users(target / "db.sqlite3"):
        raise RestoreError(f"{target} にはすでに利用者かファイルがあります。空のデータフォルダ（とデータベース）に戻してください"
                           f" / {target} is in use: restore into an empty data folder and database")


def _has_users(database: Path) -> bool:
    if not database.is_file() or database.stat().st_size == 0:
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            return db.execute("SELECT 1 FROM auth_user LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return True  # a database we cannot read is not ours to replace


def staging_for(target: Path) -> Path:
    """A new private folder beside `target` (same file system: the swap is a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.restore-", dir=target.parent))


@dataclass
class Staged:
    manifest: dict | None = None
    dump: Path | None = None
    files: dict[str, str] = field(default_factory=dict)  # archive name → SHA-256 of its bytes
    secret: bool = False


def _limit(name: str) -> int | None:
    if name in (MANIFEST, "secret_key"):
        return MAX_SMALL
    if name == DUMP:
        return MAX_DUMP
    if _FILE.fullmatch(name) or _BUILD.fullmatch(name):
        return MAX_FILE
    return None


def _stage_member(tar, m, staging: DataDir, staged: Staged, archive: Path) -> None:
    name = m.name
    limit = _limit(name)
    if limit is None or not m.isreg():
        raise _bad(f"想定外の項目 {name[:120]!r}", f"unexpected member {name[:120]!r}", archive)
    if m.size > limit:
        raise _bad(f"{name} が大きすぎます", f"{name} is too large ({m.size:,} bytes)", archive)
    if name in staged.files or (name == DUMP and staged.dump) or (name == MANIFEST and staged.manifest):
        raise _bad(f"{name} が2つあります", f"{name} appears twice", archive)
    source = tar.extractfile(m)
    if name == MANIFEST:
        try:
            staged.manifest = json.loads(source.read(MAX_SMALL))
        except ValueError:
            raise _bad("目録を読めません", "unreadable manifest", archive) from None
        return
    found = _FILE.fullmatch(name)
    if name == DUMP:
        path = staging.root / ".restore.json"
    elif name == "secret_key":
        path, staged.secret = staging.root / "secret_key", True
    elif found:
        path = staging.blob(found[2], found[3])
    else:
        path = staging.build(int(_BUILD.fullmatch(name)[1]))
    digest = hashlib.sha256()
    with staging.writing(path) as tmp, open(tmp, "wb") as out:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    if found and (found[1] != found[2][:2] or digest.hexdigest() != found[2]):
        raise _bad(f"{name} の内容が名前の SHA-256 と合いません", f"{name}: its SHA-256 is not its name", archive)
    if name == DUMP:
        staged.dump = path
    elif name != "secret_key":
        staged.files[name] = digest.hexdigest()


def stage(archive: Path, staging: DataDir) -> Staged:
    """Every member of the archive into `staging`, checked as it streams by."""
    staged, count, total = Staged(), 0, 0
    try:
        with tarfile.open(archive, "r|gz") as tar:
            for m in tar:
                count, total = count + 1, total + m.size
                if count > MAX_MEMBERS or total > MAX_TOTAL:
                    raise _bad("項目が多すぎます", "too many or too large members", archive)
                _stage_member(tar, m, staging, staged, archive)
    except RestoreError:
        raise
    except (OSError, tarfile.TarError, EOFError, zlib.error, ValueError) as exc:
        raise _bad("読めません", f"unreadable: {type(exc).__name__}", archive) from None
    if staged.manifest is None or staged.dump is None:
        raise RestoreError(f"chosho-xlsx のバックアップではありません / not a chosho-xlsx backup: {archive}")
    if not isinstance(staged.manifest, dict) or staged.manifest.get("format") != FORMAT:
        raise RestoreError(f"このバックアップの形式は読めません / unknown backup format: {archive}")
    return staged


def _known_fields() -> dict[str, set[str]]:
    """model label (「portal.upload」) → the field names a dump of it may hold."""
    # lazy: Django only once cli.portal has set it up (restore stages files before)
    from django.apps import apps

    models = [apps.get_model("auth", "user"), apps.get_model("auth", "group"),
              *apps.get_app_config("portal").get_models()]
    return {m._meta.label_lower: {f.name for f in (*m._meta.concrete_fields, *m._meta.many_to_many)
                                  if not f.primary_key} for m in models}


def check_dump(staged: Staged, archive: Path) -> int:
    """Every object of the dump of a model and with fields this portal has; every version's
    file and every build's ZIP in the archive, with the SHA-256 its row says. The number of
    versions."""
    known = _known_fields()
    try:
        with open(staged.dump, "rb") as fh:
            objects = json.load(fh)
    except ValueError:
        raise _bad("データベースの内容を読めません", "unreadable database dump", archive) from None
    if not isinstance(objects, list):
        raise _bad("データベースの内容が一覧ではありません", "the dump is not a list", archive)
    uploads = 0
    for n, obj in enumerate(objects, start=1):
        model = obj.get("model") if isinstance(obj, dict) else None
        fields = obj.get("fields") if isinstance(obj, dict) else None
        if model not in known or not isinstance(fields, dict) or set(obj) - {"model", "pk", "fields"}:
            raise _bad(f"{n}件目が不明なモデルです", f"object {n}: unknown model {str(model)[:60]!r}", archive)
        unknown = set(fields) - known[model]
        if unknown:
            raise _bad(f"{model} の不明な欄 {sorted(unknown)[0][:60]}",
                       f"{model}: unknown field {sorted(unknown)[0][:60]!r}", archive)
        if model == "portal.upload":
            uploads += 1
            sha, suffix = fields.get("sha256"), fields.get("suffix", ".xlsx")
            _check_named(f"files/{str(sha)[:2]}/{sha}{suffix}", sha, staged, archive,
                         valid_blob_name(sha, suffix), optional=fields.get("readable") is False)
        elif model == "portal.build":
            pk = obj.get("pk")
            ok = isinstance(pk, int) and not isinstance(pk, bool) and pk >= 1
            _check_named(f"builds/{pk}.zip", fields.get("sha256"), staged, archive, ok)
    return uploads


def _check_named(name: str, sha256: object, staged: Staged, archive: Path, valid: bool,
                 optional: bool = False) -> None:
    """A row's file: named as we name files, in the archive with the SHA-256 the row says
    (`optional`: a refused upload's evidence, which may have been pruned)."""
    if not valid:
        raise _bad(f"保存名が不正です {name[:120]!r}", f"a row names its file {name[:120]!r}", archive)
    if optional and name not in staged.files:
        return
    if staged.files.get(name) != sha256:
        raise _bad(f"{name} がないか、内容が記録と合いません",
                   f"{name} is missing or not what its row says", archive)


def restore(staging: DataDir, archive: Path, target: Path) -> dict:
    """The archive checked and loaded into `staging` (Django is set up on it), which
    then replaces `target` (unused(target) said it may). RestoreError, with `target`
    as it was, for anything wrong."""
    # lazy: Django only once cli.portal has set it up (restore stages files before)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections, transaction

    if get_user_model().objects.exists():  # an external database (CHOSHO_DATABASE_URL) in use
        raise RestoreError(f"{target} のデータベースにはすでに利用者がいます。空のデータベースに戻してください"
                           f" / the database of {target} is in use: restore into an empty database")
    staged = stage(archive, staging)
    uploads = check_dump(staged, archive)
    if not staged.secret:
        raise _bad("secret_key がありません", "no secret_key", archive)
    try:
        with transaction.atomic():
            call_command("loaddata", str(staged.dump), verbosity=0)
    except Exception as exc:  # a dump Django refuses (a broken reference, a bad value)
        raise _bad("データベースに読み込めません", f"the database refused it: {type(exc).__name__}", archive) from None
    finally:
        staged.dump.unlink()
    connections.close_all()
    _swap(staging.root, target)
    return {**staged.manifest, "uploads": uploads}


def _swap(staging: Path, target: Path) -> None:
    """`staging` becomes `target`; an existing (empty) `target` is put aside first and
    back if the rename fails."""
    unused(target)
    aside = None
    if target.exists():
        aside = target.parent / f".{target.name}.replaced-{os.getpid()}"
        os.rename(target, aside)
    try:
        os.rename(staging, target)
    except OSError:
        if aside is not None:
            os.rename(aside, target)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
