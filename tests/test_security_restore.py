"""Issue 21 items 1 and 5: a restored backup is input. A path is never made from a
database row (a forged 「../../etc/passwd」 is refused where it is read, not only by
doctor); `restore` checks the whole archive, streamed, before the data folder changes,
and a bad archive is one sentence, exit 2, the data folder as it was."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from support.portal import DIGITAL, cli, client_for, good_workbook

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]

PASSWD = "../../../../../../../../../../etc/passwd"


def _members(archive):
    with tarfile.open(archive, "r:gz") as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]


def _pack(target, members, extra=()):
    """A .tar.gz of (name, bytes) members, then `extra` TarInfo (with their bytes or None)."""
    with tarfile.open(target, "w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for info, content in extra:
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    return target


def _with_dump(members, change):
    out = []
    for name, content in members:
        if name == "database.json":
            objects = json.loads(content)
            change(objects)
            content = json.dumps(objects).encode()
        out.append((name, content))
    return out


def _forge_upload(objects):
    for o in objects:
        if o["model"] == "portal.upload":
            o["fields"]["sha256"], o["fields"]["suffix"] = PASSWD, ""


def _declared_2gb(target, members):
    """The header of a 2 GB member and none of its bytes: what a small archive that
    inflates to gigabytes looks like to a reader that trusts it."""
    raw = io.BytesIO()
    tar = tarfile.open(fileobj=raw, mode="w")  # noqa: SIM115  (never closed: no end-of-archive blocks)
    for name, content in members:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    end = tar.offset  # before the end-of-archive blocks
    big = tarfile.TarInfo("files/ab/" + "ab" * 32 + ".xlsx")
    big.size = 2 * 1024 ** 3
    import gzip

    target.write_bytes(gzip.compress(raw.getvalue()[:end] + big.tobuf() + b"\0" * 4096))
    return target


@pytest.fixture
def backup(people, django_portal, tmp_path):
    from chosho_xlsx.portal.services import files

    good = good_workbook(tmp_path)
    up, _ = files.receive(people["a"], good.read_bytes(), good.name)
    archive = tmp_path / "backup.tar.gz"
    cli(django_portal, "backup", "-o", str(archive))
    return archive, f"files/{up.sha256[:2]}/{up.sha256}{up.suffix}"  # and the version's file in it


def test_every_forged_archive_is_one_sentence_and_changes_nothing(backup, tmp_path):
    backup, blob = backup
    members = _members(backup)
    unknown_model = lambda objs: objs.append({"model": "admin.logentry", "pk": 1, "fields": {}})  # noqa: E731
    unknown_field = lambda objs: objs[0]["fields"].__setitem__("is_root", True)  # noqa: E731
    attacks = {
        "path in a row": _pack(tmp_path / "a1.tar.gz", _with_dump(members, _forge_upload)),
        "unknown model": _pack(tmp_path / "a2.tar.gz", _with_dump(members, unknown_model)),
        "unknown field": _pack(tmp_path / "a3.tar.gz", _with_dump(members, unknown_field)),
        "member named builds": _pack(tmp_path / "a4.tar.gz", members, [(tarfile.TarInfo("builds"), b"")]),
        "a folder member": _pack(tmp_path / "a5.tar.gz", members,
                                 [(_dir("files/zz"), None)]),
        "a link": _pack(tmp_path / "a6.tar.gz", members, [(_link("files/ab/x", "/etc/passwd"), None)]),
        "dot-dot": _pack(tmp_path / "a7.tar.gz", members, [(tarfile.TarInfo("files/../../evil"), b"")]),
        "content not its name": _pack(tmp_path / "a8.tar.gz",
                                      [(n, b"other bytes" if n == blob else c) for n, c in members]),
        "a version's file missing": _pack(tmp_path / "a9.tar.gz", [(n, c) for n, c in members if n != blob]),
        "2 GB member": _declared_2gb(tmp_path / "a10.tar.gz", members),
        "not gzip": tmp_path / "a11.tar.gz",
        "no dump": _pack(tmp_path / "a12.tar.gz", [(n, c) for n, c in members if n != "database.json"]),
        "dump not a list": _pack(tmp_path / "a13.tar.gz",
                                 [(n, b'{"a": 1}' if n == "database.json" else c) for n, c in members]),
    }
    (tmp_path / "a11.tar.gz").write_bytes(b"not an archive at all")
    empty = tmp_path / "empty-portal"
    cli(empty, "users", "list")  # a data folder serve made before anyone was added
    before = _snapshot(empty)
    for n, (what, archive) in enumerate(attacks.items()):
        target = empty if n % 2 else tmp_path / "new-folder"  # both kinds, half the time
        proc = cli(target, "restore", str(archive), check=False)
        assert proc.returncode == 2, (what, proc.stdout, proc.stderr)
        assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1, (what, proc.stderr)
        assert "Traceback" not in proc.stderr, what
        assert not (tmp_path / "new-folder").exists(), what
        assert _snapshot(empty) == before, what
        assert not [p for p in tmp_path.iterdir() if ".restore-" in p.name or ".replaced-" in p.name], what


def _dir(name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info


def _link(name, target):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


def _snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_size if p.is_file() else -1)
                  for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm")))


def test_a_good_backup_restores_into_the_empty_folder_serve_made(backup, tmp_path):
    backup, _ = backup
    empty = tmp_path / "empty-portal"
    cli(empty, "users", "list")
    done = cli(empty, "restore", str(backup))
    assert done.stdout.startswith("戻しました / restored: 版 ") and done.stderr == ""
    assert "問題ありません" in cli(empty, "doctor").stdout
    assert "digital" in cli(empty, "users", "list").stdout


def test_a_forged_row_is_refused_where_the_file_is_read(people, django_portal):
    """The row as the attack left it in the database: never a path, not only for doctor."""
    from chosho_xlsx.portal.datadir import StoredNameError
    from chosho_xlsx.portal.models import Policy, Upload
    from chosho_xlsx.portal.services import data

    policy = Policy.objects.create(fiscal_year=2024, name="施策", key="施策", section=DIGITAL,
                                   plan_start=2021, plan_end=2025)
    up = Upload.objects.create(policy=policy, version=1, sha256=PASSWD, suffix="", filename="a.xlsx", size=1,
                               user=people["a"], readable=True, errors=0, warnings=0, findings=[])
    response = client_for(people["a"]).get(f"/uploads/{up.pk}/file")
    assert response.status_code == 404 and b"root:" not in b"".join(response)
    for sha, suffix in ((PASSWD, ""), ("A" * 64, ".xlsx"), ("a" * 64, "/../x"), ("a" * 63, ".xlsx")):
        with pytest.raises(StoredNameError):
            data().blob(sha, suffix)
    for name in ("../secret_key", "a/b.pdf", ".hidden", ""):
        with pytest.raises(StoredNameError):
            data().derived(name)
    doctor = cli(django_portal, "doctor", check=False)
    assert doctor.returncode == 1 and f"版 id={up.pk} の保存名が不正です" in doctor.stdout


def test_files_are_for_the_portal_user_only_whatever_the_umask(people, django_portal, tmp_path):
    """Item 5: with umask 022 the folder is 0700 and the database, secret key, uploads,
    builds and backups 0600."""
    import os
    import stat

    from chosho_xlsx.portal.services import builds, files

    old = os.umask(0o022)
    try:
        good = good_workbook(tmp_path)
        up, _ = files.receive(people["a"], good.read_bytes(), good.name)
        blob = builds.blob(up)
        data = tmp_path / "fresh"
        cli(data, "users", "add", "digital", "--role", "department", "--dept", DIGITAL)
        archive = tmp_path / "bk.tar.gz"
        cli(data, "backup", "-o", str(archive))
    finally:
        os.umask(old)

    def mode(p):
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(blob) == 0o600 and mode(blob.parent) == 0o700
    assert mode(data) == 0o700
    for p in (data / "db.sqlite3", data / "secret_key", archive):
        assert mode(p) == 0o600, p
    for p in data.glob("db.sqlite3-*"):
        assert mode(p) == 0o600, p
