"""The API of a served portal (`chosho-xlsx serve` on a free port), from outside: the
Python example of docs/api.md run as a clerk would run it, then Schemathesis against
/api/v1/openapi.json with a department's token and with the planning division's — no
5xx, and every answer one the schema describes (status, content type, headers, body),
for every operation. A fixed seed and a bounded number of examples keep the run the same
each time and inside CI's budget (about 40 s a token); CHOSHO_FUZZ_EXAMPLES and
CHOSHO_FUZZ_SEED run it longer or differently by hand."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support.portal import Server, cli, good_workbook, other_department_workbook

TESTS = Path(__file__).resolve().parent
CONFIG = TESTS / "support" / "schemathesis.toml"
DOC = TESTS.parent / "docs" / "api.md"

pytestmark = pytest.mark.slow  # a served portal and ~700 fuzzed requests: ~35 s, not the fast core


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A served portal with two departments and the planning division, each with a token,
    and one workbook of デジタル戦略課 uploaded and submitted (so that ids 1 exist and a
    build has something to build)."""
    import requests

    data = tmp_path_factory.mktemp("served") / "data"
    cli(data, "users", "add", "digital", "--role", "department", "--dept", "デジタル戦略課")
    cli(data, "users", "add", "doboku", "--role", "department", "--dept", "土木総務課")
    cli(data, "users", "add", "kikaku", "--role", "planning")
    tokens = {name: cli(data, "users", "token", name).stdout.strip() for name in ("digital", "doboku", "kikaku")}
    server = Server(data)
    try:
        auth = {"Authorization": f"Bearer {tokens['digital']}"}
        path = good_workbook(data.parent / "wb")
        with path.open("rb") as fh:
            up = requests.post(f"{server.url}/api/v1/submissions", headers=auth, files={"file": (path.name, fh)},
                               timeout=120)
        assert up.status_code == 201, up.text
        submitted = requests.post(f"{server.url}/api/v1/submissions/{up.json()['id']}/submit", headers=auth,
                                  data={"comment": "確認済み"}, timeout=60)
        assert submitted.status_code == 200, submitted.text
        yield server, tokens
    finally:
        server.stop()
    log = Path(server.log.name).read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-4000:]


def python_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    return re.search(r"<!-- example:python -->\s*```python\n(.*?)```", text, re.S)[1]


def test_the_python_example_uploads_submits_and_builds(portal, tmp_path):
    server, tokens = portal
    script = tmp_path / "submit.py"
    script.write_text(python_example(), encoding="utf-8")
    workbook = other_department_workbook(tmp_path / "wb")
    env = {**os.environ, "CHOSHO_URL": server.url, "CHOSHO_TOKEN": tokens["doboku"],
           "CHOSHO_PLANNING_TOKEN": tokens["kikaku"]}
    run = subprocess.run([sys.executable, str(script), str(workbook), "警告は確認済み"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "R6 安全で安心な道路網の整備 第1版: エラー 0 件、警告 1 件"
    assert "提出しました: 安全で安心な道路網の整備（提出済）" in lines
    zips = list(tmp_path.glob("調書_R6_*.zip"))
    assert len(zips) == 1 and lines[-1] == f"一括作成しました: {zips[0].name}"
    names = zipfile.ZipFile(io.BytesIO(zips[0].read_bytes())).namelist()
    assert sorted(names) == sorted(["一覧.xlsx", "評価結果概要.xlsx", "R6_ICTを活用した地域活性化と行政運営の効率化.xlsx",
                                    "R6_安全で安心な道路網の整備.xlsx"])
    # the same script again: the same bytes are the version already submitted → 409, said on stderr
    again = subprocess.run([sys.executable, str(script), str(workbook)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 1 and again.stderr.startswith("409 conflict: ")


def schemathesis() -> str:
    return shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"


@pytest.mark.parametrize("who", ["digital", "kikaku"])
def test_schemathesis_finds_no_5xx_and_no_answer_outside_the_schema(portal, who, tmp_path):
    server, tokens = portal
    run = subprocess.run(
        [schemathesis(), "--config-file", str(CONFIG), "run", f"{server.url}/api/v1/openapi.json",
         "--header", f"Authorization: Bearer {tokens[who]}", "--checks", "all",
         # A job's result exists once the job is done (no worker runs here): its 404 just
         # after POST /jobs is the documented answer, not a lost resource. (Schemathesis
         # 4.32 applies this check in its stateful phase whatever the config file says of
         # one operation; POST /submissions → GET /submissions/{id} is tested elsewhere.)
         "--exclude-checks", "ensure_resource_availability",
         "--max-examples", os.environ.get("CHOSHO_FUZZ_EXAMPLES", "5"),
         "--seed", os.environ.get("CHOSHO_FUZZ_SEED", "20"), "--workers", "1",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    summary = run.stdout[-8000:]
    assert run.returncode == 0, summary
    tested = re.search(r"Tested: (\d+)", run.stdout)
    selected = re.search(r"Selected: (\d+)/(\d+)", run.stdout)
    assert tested and selected and tested[1] == selected[1] == selected[2], summary  # every operation
    cases = re.search(r"(\d+) generated", run.stdout)
    assert cases and int(cases[1]) >= 300, summary


@pytest.mark.browser
def test_the_docs_page_renders_every_operation_in_a_browser_offline(portal):
    """/api/v1/docs under the portal's Content-Security-Policy, every request but the
    portal's own refused: Swagger UI draws every operation of the schema."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not os.access("/usr/bin/chromium", os.X_OK):
        pytest.skip("Chromium not found at /usr/bin/chromium")
    import json
    import urllib.request

    server, _ = portal
    schema = json.load(urllib.request.urlopen(f"{server.url}/api/v1/openapi.json", timeout=30))
    n = sum(len(ops) for ops in schema["paths"].values())
    outside, violations = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.url)
                   else (outside.append(route.request.url), route.abort()))
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.goto(f"{server.url}/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=30000)
        drawn = page.locator(".opblock").count()
        browser.close()
    assert drawn == n
    assert outside == []
    assert violations == [], violations[:3]
