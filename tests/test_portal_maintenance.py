"""doctor, backup and restore (issue 11): the database and the stored files agree, and
say what is wrong when they do not; a backup restored into an empty portal serves the
same dashboard and every version; a server killed (SIGKILL) in the middle of uploads keeps
every upload it answered 201 and lists no half-written file."""

from __future__ import annotations

import hashlib
import importlib.util
import threading
import time
from pathlib import Path

import pytest

from support import ROOT, corpus
from support.portal import (
    DIGITAL,
    Server,
    cli,
    good_workbook,
    other_department_workbook,
    wrong_cell_workbook,
)

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]  # its fixtures: db, people …

_spec = importlib.util.spec_from_file_location("portal_load", ROOT / "bench" / "portal_load.py")
load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load)


def get(server: Server, path: str, token: str):
    status, body, _ = load.call(server.url + path, token)
    assert status == 200, body
    return body


def test_backup_and_restore_keep_the_dashboard_and_every_version(people, django_portal, tmp_path):
    from chosho_xlsx.portal.services import builds, files, review

    from support.portal import token_for

    a, b, planning = people["a"], people["b"], people["planning"]
    bad, _ = wrong_cell_workbook(tmp_path)
    files.receive(a, bad.read_bytes(), bad.name)
    good = good_workbook(tmp_path)
    up, _ = files.receive(a, good.read_bytes(), good.name)
    review.submit(a, up, "確認済み")
    other = other_department_workbook(tmp_path)
    files.receive(b, other.read_bytes(), other.name)
    builds.build_zip(planning, up.policy.fiscal_year)
    token = token_for(planning)

    archive = tmp_path / "backup.tar.gz"
    cli(django_portal, "backup", "-o", str(archive))
    restored = tmp_path / "restored"
    done = cli(restored, "restore", str(archive))
    assert "版 3 件" in done.stdout
    assert "問題ありません" in cli(restored, "doctor").stdout
    again = cli(restored, "restore", str(archive), check=False)
    assert again.returncode == 2 and "すでに利用者かファイルがあります" in again.stderr

    before, after = Server(django_portal), Server(restored)
    try:
        for path in ("/api/v1/dashboard", "/api/v1/submissions"):
            assert get(after, path, token) == get(before, path, token)
        for s in get(before, "/api/v1/submissions", token)["submissions"]:
            assert get(after, f"/api/v1/submissions/{s['id']}", token) == get(before, f"/api/v1/submissions/{s['id']}", token)
    finally:
        before.stop()
        after.stop()


def test_doctor_says_which_file_is_damaged_or_missing(people, django_portal, tmp_path):
    from chosho_xlsx.portal.services import files

    path = corpus.mutated(tmp_path, "事業", 0, "事務事業名", "ドクター試験用の事業")
    up, _ = files.receive(people["a"], path.read_bytes(), path.name)
    blob = files.blob(up)
    original = blob.read_bytes()
    try:
        assert cli(django_portal, "doctor").returncode == 0
        blob.write_bytes(original[:-10])
        damaged = cli(django_portal, "doctor", check=False)
        assert damaged.returncode == 1 and f"版 id={up.pk} のファイルが壊れています" in damaged.stdout
        blob.unlink()
        missing = cli(django_portal, "doctor", check=False)
        assert missing.returncode == 1 and f"版 id={up.pk} のファイルがありません" in missing.stdout
    finally:
        blob.write_bytes(original)


def test_a_killed_server_keeps_every_upload_it_accepted(tmp_path):
    data = tmp_path / "data"
    cli(data, "users", "add", "digital", "--role", "department", "--dept", DIGITAL)
    token = cli(data, "users", "token", "digital").stdout.strip()
    books = []
    for i in range(12):
        rows = corpus.example_rows()
        rows["課題"][0]["課題解決に向けた方向性"] += f"（{i}）"
        books.append(corpus.write(tmp_path, rows, f"v{i}.xlsx").read_bytes())
    server = Server(data)
    answers: list[tuple[int, dict]] = []

    def send(content: bytes) -> None:
        body, ctype = load.multipart("x.xlsx", content)
        status, answer, _ = load.call(server.url + "/api/v1/submissions", token, body, ctype)
        answers.append((status, answer))

    threads = [threading.Thread(target=send, args=(b,)) for b in books]
    for t in threads:
        t.start()
    time.sleep(1.0)  # some answered, some in the middle
    server.stop(kill=True)
    for t in threads:
        t.join()
    accepted = {a["id"]: a["sha256"] for s, a in answers if s == 201}

    assert cli(data, "doctor").returncode == 0
    server = Server(data)
    try:
        submissions = get(server, "/api/v1/submissions", token)["submissions"]
    finally:
        server.stop()
    listed = {s["id"]: s["sha256"] for s in submissions}
    assert accepted.items() <= listed.items()
    assert sorted(s["version"] for s in submissions) == list(range(1, len(submissions) + 1))
    assert len(set(listed.values())) == len(listed)  # no file twice
    for sha in listed.values():
        stored = next((data / "files" / sha[:2]).glob(f"{sha}.*"))
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha


def _descendants(pid: int) -> set[int]:
    """Every living process below `pid`, read from /proc (no psutil here)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_server_leaves_no_worker_behind(tmp_path):
    """serve validates in worker processes under multiprocessing's fork server; killed
    with SIGKILL, the fork server, the workers and the resource tracker all end (they
    were left running for good, reparented to init, one set per killed server)."""
    if not Path("/proc/self/stat").exists():
        import pytest

        pytest.skip("needs /proc to list a process's descendants")
    data = tmp_path / "data"
    cli(data, "users", "add", "digital", "--role", "department", "--dept", DIGITAL)
    token = cli(data, "users", "token", "digital").stdout.strip()
    server = Server(data)
    try:
        body, ctype = load.multipart("x.xlsx", good_workbook(tmp_path).read_bytes())
        status, answer, _ = load.call(server.url + "/api/v1/submissions", token, body, ctype)
        assert status == 201, answer  # validated in a worker: the workers exist now
        below = _descendants(server.proc.pid)
        assert below, "serve started no worker process"
    finally:
        server.stop(kill=True)
    # A bound, not a timing assertion: the workers end as soon as the kernel reports the
    # server's exit; 60 s covers a loaded machine.
    deadline = time.monotonic() + 60
    while any(_alive(p) for p in below) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [p for p in below if _alive(p)] == []
