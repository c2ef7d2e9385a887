"""The portal under concurrent uploads (issue 11「Load and faults」): SQLite in WAL mode with
IMMEDIATE transactions lets writers queue instead of failing with "database is locked";
threads uploading at once lose and duplicate nothing; bench/portal_load.py on a tiny N."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading

import pytest

from support import ROOT, corpus
from support.portal import DIGITAL, POSTGRES, portal_env

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]  # its fixtures: db, people …

BENCH = ROOT / "bench" / "portal_load.py"


@pytest.mark.skipif(bool(POSTGRES), reason="SQLite only")
def test_sqlite_runs_in_wal_mode_with_immediate_transactions(db):
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        assert cur.fetchone()[0] == "wal"
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 30


def test_concurrent_writers_lose_and_duplicate_nothing(people, tmp_path):
    """12 threads upload at once for one 施策: 10 distinct files and one sent by 3 threads."""
    from django.db import connection

    from chosho_xlsx.portal.models import Upload
    from chosho_xlsx.portal.services.files import receive

    files = []
    for i in range(10):
        rows = corpus.example_rows()
        rows["課題"][0]["課題解決に向けた方向性"] += f"（{i}）"
        files.append(corpus.write(tmp_path, rows, f"v{i}.xlsx").read_bytes())
    work = files + [files[0], files[0]]
    answers, failures = [], []
    start = threading.Barrier(len(work))

    def upload(content: bytes) -> None:
        try:
            start.wait()
            answers.append(receive(people["a"], content, "x.xlsx"))
        except Exception as exc:  # "database is locked" would land here
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(w,)) for w in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sum(created for _, created in answers) == 10
    versions = sorted(Upload.objects.values_list("version", flat=True))
    assert versions == list(range(1, 11))
    sent_thrice = hashlib.sha256(files[0]).hexdigest()
    assert len({up.pk for up, _ in answers if up.sha256 == sent_thrice}) == 1  # one version for 3 sends
    assert Upload.objects.filter(policy__section=DIGITAL).count() == 10


def test_load_script_finds_every_upload_exactly_once(tmp_path):
    data = tmp_path / "data"
    r = subprocess.run([sys.executable, str(BENCH), "--clients", "4", "--uploads", "3", "--data", str(data)],
                       env=portal_env(data), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 clients x 3 uploads = 12 requests" in r.stdout
    assert "answers by status: 200: 4, 201: 8" in r.stdout
    assert "check: every upload there exactly once, files match their hashes" in r.stdout
    # the upload path's own costs, from the server's Server-Timing header, each printed apart
    phases = [line.split()[0] for line in r.stdout.splitlines() if line.startswith("    ")]
    assert phases == ["hash", "store", "check", "hop", "json", "db", "django", "total"]


def test_server_timing_is_read_phase_by_phase():
    import importlib.util

    spec = importlib.util.spec_from_file_location("portal_load", BENCH)
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    assert load.server_timing("hash;dur=0.50, store;dur=2, check;desc=x;dur=10.25, total;dur=20") == \
        {"hash": 0.0005, "store": 0.002, "check": 0.01025, "total": 0.02}
    table = load.phase_table([{"hash": 0.001, "check": 0.01, "json": 0.001, "total": 0.02}])
    assert table["django"]["p50"] == pytest.approx(0.008)


def test_worker_processes_give_the_findings_of_this_process(people, tmp_path):
    """serve validates in a forkserver pool (one process per core); same findings."""
    from chosho_xlsx.portal import examine
    from chosho_xlsx.portal.services import files

    from support.portal import wrong_cell_workbook

    path, place = wrong_cell_workbook(tmp_path)
    here = examine.examine(str(path), path.name)
    examine.use_workers(2)
    try:
        up, created = files.receive(people["a"], path.read_bytes(), path.name)
    finally:
        examine.use_workers(0)
    assert created and up.findings == here.findings
    assert up.findings[0]["place"] == place and here.named.sections == (DIGITAL, "スマート県庁推進課")


@pytest.mark.parametrize(("stand_in", "code"), [("forever", "E-FILE-TIMEOUT"), ("dies", "E-FILE-CORRUPT")])
def test_an_examination_has_the_batch_time_limit(tmp_path, monkeypatch, stand_in, code):
    """issue 21.9: an upload whose examination runs past the rules' seconds_per_file has
    its worker killed and gets E-FILE-TIMEOUT (a worker that dies: E-FILE-CORRUPT); the
    next upload is examined as usual."""
    import dataclasses

    from chosho_xlsx.common.limits import Limits
    from chosho_xlsx.portal import examine

    from support import stall
    from support.portal import good_workbook

    settings = dataclasses.replace(examine.rules(), limits=Limits(seconds_per_file=2))
    monkeypatch.setattr(examine, "rules", lambda: settings)
    path = good_workbook(tmp_path)
    examine.use_workers(1)
    try:
        monkeypatch.setattr(examine, "examine", getattr(stall, stand_in))
        stopped = examine.examine_upload(path, "遅い.xlsx")
        monkeypatch.undo()
        after = examine.examine_upload(path, path.name)
    finally:
        examine.use_workers(0)
    assert stopped.unreadable and [f["code"] for f in stopped.findings] == [code]
    if code == "E-FILE-TIMEOUT":
        assert stopped.findings[0]["message"] == "2 秒たっても処理が終わらないため打ち切りました: 遅い.xlsx"
    assert not after.unreadable and after.errors == 0 and after.named.policy


def test_bytes_uploaded_again_are_not_examined_again(people, tmp_path, monkeypatch):
    """issue 22: the server recalls the examination of the same bytes (same rules, same
    findings), whatever their name, unless a finding names the file (one about the file as
    a whole): then only under the same name. An examination that was stopped is never
    recalled."""
    from chosho_xlsx.portal import examine
    from chosho_xlsx.portal.services import files

    from support.hostile import text_file
    from support.portal import good_workbook

    monkeypatch.setattr(examine, "_recent", examine.Recent())
    real, examined = files.examine_upload, []
    monkeypatch.setattr(files, "examine_upload", lambda path, name: examined.append(name) or real(path, name))
    content = good_workbook(tmp_path).read_bytes()
    first, created = files.receive(people["a"], content, "施策.xlsx")
    again, created_again = files.receive(people["a"], content, "施策（再送）.xlsx")
    assert (created, created_again, again.pk, again.findings) == (True, False, first.pk, first.findings)
    assert examined == ["施策.xlsx"]
    files.receive(people["a"], content, "施策.xlsm")  # read as another kind of file
    assert examined == ["施策.xlsx", "施策.xlsm"]

    junk = text_file(tmp_path).read_bytes()  # not a workbook: its finding names the file
    for name in ("a.xlsx", "a.xlsx", "b.xlsx"):
        with files.store_and_examine(junk, name) as stored:
            assert stored.examined.findings[0]["place"] == name
    assert examined[2:] == ["a.xlsx", "b.xlsx"]

    stopped = examine.Examined([], unreadable=True, complete=False)
    examine.remember("0" * 64, ".xlsx", "遅い.xlsx", stopped)
    assert examine.recalled("0" * 64, ".xlsx", "遅い.xlsx") is None


def test_the_examinations_kept_are_bounded_by_their_findings(monkeypatch):
    """A workbook within the limits can have ~28,000 findings (~15 MB held): the server keeps
    at most RECENT_FINDINGS findings among the examinations it recalls, the newest first, and
    none of an examination with more on its own (256 of them kept ~4 GB)."""
    from chosho_xlsx.portal import examine

    monkeypatch.setattr(examine, "_recent", examine.Recent())
    monkeypatch.setattr(examine, "RECENT_FINDINGS", 10)

    def with_findings(n: int) -> examine.Examined:
        return examine.Examined([{"severity": "error", "code": "E-MONEY"}] * n)

    huge = with_findings(11)
    examine.remember("h" * 64, ".xlsx", "a.xlsx", huge)
    assert examine.recalled("h" * 64, ".xlsx", "a.xlsx") is None
    for sha, n in (("1", 4), ("2", 4), ("3", 0), ("4", 3)):
        examine.remember(sha * 64, ".xlsx", "a.xlsx", with_findings(n))
    assert [k[0][0] for k in examine._recent] == ["2", "3", "4"]  # 4 + 0 + 3 ≤ 10; the oldest went
    assert len(examine.recalled("4" * 64, ".xlsx", "b.xlsx").findings) == 3
