"""The portal tests again on PostgreSQL (issue 11): a throwaway cluster (initdb, pg_ctl on a
free port and a private socket folder, about 5 s) and the portal's test modules run in a
pytest of their own with CHOSHO_TEST_POSTGRES pointing at it (each data folder gets a
database there). Skipped, with the reason, when PostgreSQL is not installed."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from support.portal import TESTS, free_port

pytestmark = pytest.mark.postgres

MODULES = ["test_portal_api.py", "test_portal_pages.py", "test_portal_access.py", "test_portal_load.py",
           "test_portal_maintenance.py", "test_portal_jobs.py"]


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(versions[-1]) if versions else None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.environ.get("CHOSHO_TEST_POSTGRES"):
        pytest.skip("already running on PostgreSQL")
    pg = _pg_bin()
    if pg is None or not (pg / "initdb").exists():
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql): the portal ran on SQLite only")
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")
    # A folder of its own, outside pytest's: pytest makes its folder of temporary folders
    # private whenever a session starts (the nested one below, or any other run on the
    # machine), and the postgres user could then no longer reach the cluster's socket,
    # nor stop it.
    root = Path(tempfile.mkdtemp(prefix="chosho-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as postgres
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
        root.chmod(0o755)
    port = free_port()
    run = lambda *args: subprocess.run([*as_user, *map(str, args)], check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(pg / "initdb", "-D", root / "db", "-A", "trust", "-U", "chosho", "-E", "UTF8", "--locale=C")
        run(pg / "pg_ctl", "-D", root / "db", "-l", root / "log", "-w", "-o",
            f"-p {port} -k {root} -c listen_addresses='' -c fsync=off", "start")
        yield f"postgresql://chosho@/postgres?host={root}&port={port}"
        stop = subprocess.run([*as_user, str(pg / "pg_ctl"), "-D", str(root / "db"), "-m", "immediate", "stop"],
                              capture_output=True, text=True, timeout=60)
        assert stop.returncode == 0, f"the test cluster did not stop: {stop.stderr}"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_portal_tests_pass_on_postgresql(cluster):
    env = dict(os.environ, CHOSHO_TEST_POSTGRES=cluster)
    env.pop("CHOSHO_DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *MODULES],
                       cwd=TESTS, env=env, capture_output=True, text=True, timeout=1800)
    tail = "\n".join(r.stdout.splitlines()[-30:])
    assert r.returncode == 0, tail + r.stderr[-2000:]
    # the progress line, wherever the warnings summary that follows it ends (under load,
    # typer's and a thread's warnings pushed it out of the last 30 lines)
    assert "[100%]" in r.stdout, tail
