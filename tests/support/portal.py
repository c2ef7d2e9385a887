"""Fixtures and helpers of the portal tests: Django in this process on a temporary data
folder (test client), or `chosho-xlsx serve` as a subprocess on a free port (browser
tests, load). Workbooks come from the validation corpus."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from support import corpus

pytest.importorskip("django", reason="the portal extra is not installed: pip install -e '.[test]'")

TESTS = Path(__file__).resolve().parents[1]
PASSWORD = "Portal-test-pass-2024"
DIGITAL, SMART, OTHER = "デジタル戦略課", "スマート県庁推進課", "土木総務課"
POLICY = "ICTを活用した地域活性化と行政運営の効率化"
OTHER_POLICY = "安全で安心な道路網の整備"


# Set by test_portal_postgres.py when it runs the portal tests again on PostgreSQL: the
# server's URL; each data folder then gets a database of its own there.
POSTGRES = os.environ.get("CHOSHO_TEST_POSTGRES", "")


def database_url(data: Path) -> str:
    """'' on SQLite; on PostgreSQL a fresh database for this data folder (made once)."""
    if not POSTGRES:
        return ""
    import hashlib

    import psycopg

    name = "chosho_" + hashlib.sha256(str(Path(data).resolve()).encode()).hexdigest()[:16]
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = POSTGRES.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def portal_env(data: Path) -> dict:
    env = dict(os.environ)
    env.update(CHOSHO_DATA=str(data), DJANGO_SETTINGS_MODULE="support.portal_settings",
               PYTHONPATH=os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH", "")])),
               CHOSHO_PASSWORD=PASSWORD)
    env.pop("CHOSHO_DATABASE_URL", None)
    if POSTGRES:
        env["CHOSHO_DATABASE_URL"] = database_url(data)
    return env


@pytest.fixture(scope="session")
def django_portal(tmp_path_factory):
    """Django set up in this process on a fresh data folder and database."""
    data = tmp_path_factory.mktemp("portal-data")
    os.environ["CHOSHO_DATA"] = str(data)
    if POSTGRES:
        os.environ["CHOSHO_DATABASE_URL"] = database_url(data)
    os.environ["DJANGO_SETTINGS_MODULE"] = "support.portal_settings"
    import django
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    return data


@pytest.fixture
def db(django_portal):
    """An empty database for each test (the stored files may stay: they are by hash)."""
    from django.core.management import call_command

    call_command("flush", verbosity=0, interactive=False)
    from django.core.cache import cache

    cache.clear()
    return django_portal


@pytest.fixture
def people(db):
    """Two departments (A: デジタル戦略課, B: 土木総務課) and the planning division."""
    return {
        "a": make_user("digital", section=DIGITAL),
        "b": make_user("doboku", section=OTHER),
        "planning": make_user("kikaku", role="planning"),
    }


def make_user(name: str, role: str = "department", section: str = ""):
    from django.contrib.auth import get_user_model

    from chosho_xlsx.portal.models import Profile

    user = get_user_model().objects.create_user(name, password=PASSWORD)
    Profile.objects.create(user=user, role=role, section=section)
    return user


def token_for(user) -> str:
    from chosho_xlsx.portal.access import new_token

    return new_token(user.profile)


def client_for(user):
    from django.test import Client

    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def api(client_or_none, method: str, path: str, token: str | None = None, **kwargs):
    from django.test import Client

    c = client_or_none or Client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return getattr(c, method)(path, headers=headers, **kwargs)


# ---- workbooks ----------------------------------------------------------------------------


def good_workbook(folder: Path, name: str = "デジタル戦略課_施策.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return corpus.example_workbook(folder, name)


def wrong_cell_workbook(folder: Path, name: str = "デジタル戦略課_施策_誤り.xlsx") -> tuple[Path, str]:
    """The example with 事業群番号 9 (no such 事業群) in the 4th project: E-REF-GROUP there."""
    folder.mkdir(parents=True, exist_ok=True)
    return corpus.mutated(folder, "事業", 3, "事業群番号", 9, name), corpus.cell("事業", "事業群番号", 3)


def other_department_workbook(folder: Path, name: str = "土木総務課_施策.xlsx") -> Path:
    """Another 施策 whose 事業群 all belong to 土木総務課."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = corpus.example_rows()
    corpus.set_key(rows, "施策名", OTHER_POLICY)
    for g in rows["事業群"]:
        g["主管課"] = OTHER
    return corpus.write(folder, rows, name)


# ---- a served portal ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def executable() -> str:
    """The chosho-xlsx of this venv (not whichever is first on PATH)."""
    return shutil.which("chosho-xlsx", path=str(Path(sys.executable).parent)) or "chosho-xlsx"


def cli(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([executable(), *args, "--data", str(data)], env=portal_env(data), capture_output=True,
                          text=True, check=check, timeout=120)


class Server:
    """`chosho-xlsx serve --data DATA --port PORT` on 127.0.0.1, until stop()."""

    def __init__(self, data: Path, **env: str):
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(data.parent / f"serve-{self.port}.log", "w")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen([executable(), "serve", "--data", str(data), "--port", str(self.port)],
                                     env={**portal_env(data), **env}, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/login/", timeout=5).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("serve did not start: " + Path(self.log.name).read_text()) from None
                time.sleep(0.2)

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()


# ---- the job queue -----------------------------------------------------------------------------


def run_jobs() -> None:
    """What a worker does (`chosho-xlsx worker --batch`), in this process: every queued job
    run, then back."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test", excluded_queue_names=[]).run()


# ---- the pages through Django's test client ---------------------------------------------------------

def post_file(client, path, **extra):
    """A workbook sent through the upload page (the answer: a redirect to its version)."""
    with open(path, "rb") as fh:
        return client.post("/upload/", {"file": fh, **extra})


def page_text(response) -> str:
    """A page's HTML with its runs of white space made one space (sentences over lines)."""
    return re.sub(r"\s+", " ", response.content.decode())


def upload_id(client, path) -> int:
    """The id of the version a workbook sent through the upload page became."""
    r = post_file(client, path)
    assert r.status_code == 302, page_text(r)
    return int(r["Location"].strip("/").split("/")[-1])
