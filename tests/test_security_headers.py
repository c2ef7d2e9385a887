"""Issue 21 item 7: a Content-Security-Policy on every page, and no inline script for it
to forbid (the pages' behaviour lives in static files); the csrftoken cookie is Secure
under CHOSHO_HTTPS=1."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from support.portal import TESTS, client_for, good_workbook, portal_env

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]

INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)  # onclick=, onchange= …


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_every_page_has_the_policy_and_no_inline_script(people, tmp_path):
    from django.test import Client

    from chosho_xlsx.portal.services import files

    good = good_workbook(tmp_path)
    up, _ = files.receive(people["a"], good.read_bytes(), good.name)
    a, planning = client_for(people["a"]), client_for(people["planning"])
    pages = [(Client(), "/login/"), (a, "/mine/"), (a, f"/uploads/{up.pk}/"), (a, f"/policies/{up.policy_id}/"),
             (planning, "/dashboard/"), (planning, "/audit/"), (planning, "/admin/"), (a, "/no-such-page/"),
             (a, "/api/v1/docs")]
    for client, path in pages:
        page = client.get(path)
        assert page.status_code in (200, 404), path
        policy = _policy(page)
        assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'", path
        assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'", path
        html = page.content.decode()
        assert not INLINE.search(html) and not HANDLER.search(html), (path, INLINE.search(html))
    # downloads carry it too
    assert "script-src 'self'" in a.get(f"/uploads/{up.pk}/file")["Content-Security-Policy"]


def test_the_dashboard_year_choice_submits_from_the_static_script(people):
    planning = client_for(people["planning"])
    html = planning.get("/dashboard/").content.decode()
    assert "data-autosubmit" in html and "/static/portal/pages.js" in html
    script = planning.get("/static/portal/pages.js")
    assert script.status_code == 200
    body = b"".join(script.streaming_content).decode()
    assert "data-autosubmit" in body and "gridwrap" in body


def test_csrf_and_session_cookies_are_secure_under_https(tmp_path):
    """Settings are read once per process: a process of its own with CHOSHO_HTTPS=1."""
    probe = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/login/', secure=True)\n"
        "c = r.cookies['csrftoken']\n"
        "print(r.status_code, bool(c['secure']), c['samesite'], 'script-src' in r['Content-Security-Policy'])\n"
    )
    env = {**portal_env(tmp_path / "data"), "CHOSHO_HTTPS": "1", "CHOSHO_ALLOWED_HOSTS": "testserver"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=TESTS, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["200", "True", "Lax", "True"], done.stderr
