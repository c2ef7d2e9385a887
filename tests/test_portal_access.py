"""Who reaches what (issue 11「Attack」): every page and API route × {anonymous, department
A, department B, planning} with the status each must get. A route added to urls.py and
not to MATRIX fails test_every_route_is_in_the_matrix. Also CSRF, cookies, the login
lockout, the upload size limit and `check --deploy`."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from support.portal import (
    PASSWORD,
    TESTS,
    client_for,
    good_workbook,
    token_for,
    wrong_cell_workbook,
)

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]  # its fixtures: db, people …

ANON, A, B, PLAN = "anonymous", "a", "b", "planning"

# (route name, method) → expected status for anonymous, department A (owner), department
# B, planning. The objects are A's: its R6 施策 (open; version 1 has an error, version 2
# has none), version 1, the R7 施策 registered for A (rolled over from R6's version 2), and
# a ZIP built earlier. Pages send the anonymous to the login page (302); the
# API answers 401.
MATRIX = {
    ("home", "get"): (302, 302, 302, 302),
    ("login", "get"): (200, 302, 302, 302),
    ("logout", "post"): (302, 302, 302, 302),
    ("mine", "get"): (302, 200, 200, 200),
    ("upload_new", "post"): (302, 302, 403, 403),
    ("template", "get"): (302, 200, 200, 200),
    ("upload", "get"): (302, 200, 404, 200),
    ("upload_file", "get"): (302, 200, 404, 200),
    ("upload_annotated", "get"): (302, 200, 404, 200),
    ("upload_findings", "get"): (302, 200, 404, 200),
    ("upload_fixes", "post"): (302, 400, 404, 403),  # no fix given
    ("upload_preview", "get"): (302, 409, 404, 409),
    ("submit", "post"): (302, 409, 404, 403),
    ("policy", "get"): (302, 200, 404, 200),
    ("policy_template", "get"): (302, 200, 404, 200),
    ("policy_diff", "get"): (302, 200, 404, 200),
    ("policy_diff_xlsx", "get"): (302, 200, 404, 200),
    ("policy_rollover", "get"): (302, 200, 404, 200),
    ("policy_return", "post"): (302, 403, 403, 409),
    ("policy_lock", "get"): (302, 403, 403, 409),  # the confirmation page, for a 提出済 施策 only
    ("policy_lock", "post"): (302, 403, 403, 409),
    ("policy_unlock", "get"): (302, 403, 403, 409),
    ("policy_unlock", "post"): (302, 403, 403, 409),
    ("policy_withdraw", "post"): (302, 409, 404, 403),
    ("policy_assign", "post"): (302, 403, 403, 302),
    ("policy_register", "post"): (302, 403, 403, 409),
    ("policy_list", "get"): (302, 403, 403, 200),
    ("policy_list_import", "post"): (302, 403, 403, 400),  # no file given
    ("policy_rename", "post"): (302, 403, 403, 302),  # to its own name: nothing changes
    ("policy_merge", "post"): (302, 403, 403, 400),  # no target given
    ("dashboard", "get"): (302, 403, 403, 200),
    ("build", "post"): (302, 403, 403, 409),
    ("build_file", "get"): (302, 403, 403, 200),
    ("audit", "get"): (302, 403, 403, 200),
    ("admin:index", "get"): (302, 302, 302, 200),  # the admin sends anyone else to its login
    # the API: each operation by its name (operationId); the schema and its page are public
    ("api-v1:api-root", "get"): (404, 404, 404, 404),
    ("api-v1:openapi-json", "get"): (200, 200, 200, 200),
    ("api-v1:openapi-view", "get"): (200, 200, 200, 200),
    ("api-v1:list_submissions", "get"): (401, 200, 200, 200),
    ("api-v1:upload_workbook", "post"): (401, 200, 403, 403),
    ("api-v1:get_submission", "get"): (401, 200, 404, 200),
    ("api-v1:download_submission", "get"): (401, 200, 404, 200),
    ("api-v1:download_annotated", "get"): (401, 200, 404, 200),
    ("api-v1:download_preview", "get"): (401, 409, 404, 409),
    ("api-v1:submit_submission", "post"): (401, 409, 404, 403),
    ("api-v1:fix_submission", "post"): (401, 415, 415, 403),  # a form, not the JSON it takes: 415 before the id
    ("api-v1:list_policies", "get"): (401, 200, 200, 200),
    ("api-v1:get_policy", "get"): (401, 200, 404, 200),
    ("api-v1:return_policy", "post"): (401, 403, 403, 409),
    ("api-v1:lock_policy", "post"): (401, 403, 403, 409),
    ("api-v1:withdraw_policy", "post"): (401, 409, 404, 403),
    ("api-v1:unlock_policy", "post"): (401, 403, 403, 409),
    ("api-v1:import_policy_list", "post"): (401, 403, 403, 400),  # no file given
    ("api-v1:rename_policy", "post"): (401, 403, 403, 200),  # to its own name: nothing changes
    ("api-v1:merge_policy", "post"): (401, 403, 403, 400),  # no target given
    ("api-v1:diff_policy", "get"): (401, 200, 404, 200),
    ("api-v1:rollover_policy", "get"): (401, 200, 404, 200),
    ("api-v1:get_dashboard", "get"): (401, 403, 403, 200),
    ("api-v1:list_builds", "get"): (401, 403, 403, 200),
    ("api-v1:create_build", "post"): (401, 403, 403, 409),
    ("api-v1:get_build", "get"): (401, 403, 403, 200),
    ("deadline", "post"): (302, 403, 403, 302),  # no date: the year's deadline removed
    ("account", "get"): (302, 200, 200, 200),
    ("jobs", "get"): (302, 403, 403, 200),
    ("job_start", "post"): (302, 403, 403, 400),  # no kind given
    ("job", "get"): (302, 404, 404, 200),  # a department sees only the previews it asked for
    ("job_status", "get"): (302, 404, 404, 200),
    ("job_cancel", "post"): (302, 404, 404, 409),  # it has ended
    ("job_result", "get"): (302, 404, 404, 200),
    ("api-v1:create_job", "post"): (401, 403, 403, 415),  # a form, not the JSON it takes
    ("api-v1:get_job", "get"): (401, 403, 403, 200),
    ("api-v1:download_job_result", "get"): (401, 403, 403, 200),
    ("api-v1:cancel_job", "post"): (401, 403, 403, 409),
}


# the object a route with <pk> is given (the others take A's 施策)
OBJECT = {"upload": "upload", "upload_file": "upload", "upload_annotated": "upload", "upload_preview": "upload",
          "submit": "upload", "upload_findings": "upload", "upload_fixes": "upload", "build_file": "build", "policy_rollover": "next",
          "api-v1:get_submission": "upload", "api-v1:download_submission": "upload",
          "api-v1:download_annotated": "upload", "api-v1:download_preview": "upload",
          "api-v1:submit_submission": "upload", "api-v1:fix_submission": "upload", "api-v1:get_build": "build", "api-v1:rollover_policy": "next",
          **{r: "job" for r in ("job", "job_status", "job_cancel", "job_result", "api-v1:get_job",
                                "api-v1:download_job_result", "api-v1:cancel_job")}}


def route_patterns() -> dict:
    """name → URL pattern of every page, and of every API operation (api-v1:NAME)."""
    from chosho_xlsx.portal.urls import urlpatterns

    out = {}
    for p in urlpatterns:
        if getattr(p, "namespace", None) == "api-v1":
            out.update({f"api-v1:{q.name}": q for q in p.url_patterns})
        else:
            out[getattr(p, "name", None) or f"{p.namespace}:index"] = p
    return out


def test_every_route_is_in_the_matrix(django_portal):
    assert set(route_patterns()) == {name for name, _ in MATRIX}


@pytest.fixture
def world(people, tmp_path):
    """A's R6 施策 with two versions (the first with an error), its R7 施策, a build of R6 on disk."""
    from chosho_xlsx.portal import services
    from chosho_xlsx.portal.models import Build, Job
    from chosho_xlsx.portal.services import files, registry

    path, _ = wrong_cell_workbook(tmp_path)
    up, _ = files.receive(people["a"], path.read_bytes(), path.name)
    files.receive(people["a"], good_workbook(tmp_path).read_bytes(), "good.xlsx")
    nxt = registry.register(people["planning"], up.policy.fiscal_year + 1, up.policy.plan_start, up.policy.plan_end,
                            up.policy.name, up.policy.section)
    build = Build.objects.create(user=people["planning"], fiscal_year=up.policy.fiscal_year, policies=0, sha256="")
    target = services.data().build(build.pk)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"PK\x05\x06" + bytes(18))
    job = Job.objects.create(kind=Job.BUILD, fiscal_year=up.policy.fiscal_year, user=people["planning"],
                             status=Job.DONE, download_name="R6.zip")
    result = services.data().job(job.pk, ".zip")
    job.result = result.name
    job.save()
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_bytes(b"PK\x05\x06" + bytes(18))
    return {"upload": up, "policy": up.policy, "build": build, "file": path, "next": nxt, "job": job}


def _request(client, method: str, url: str, world, route: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(url, headers=headers)
    data = {"comment": "理由", "reason": "理由", "section": "監査課", "year": "R6", "plan": "R3-R7",
            "name": world["policy"].name}
    if route in ("upload_new", "api-v1:upload_workbook"):
        data["file"] = open(world["file"], "rb")  # noqa: SIM115  (closed below)
    try:
        return client.post(url, data, headers=headers)
    finally:
        if "file" in data:
            data["file"].close()


@pytest.mark.parametrize(("route", "method"), list(MATRIX), ids=[f"{m}-{r}" for r, m in MATRIX])
def test_route_by_role(world, people, route, method):
    from django.test import Client
    from django.urls import reverse

    pattern = str(route_patterns()[route].pattern)
    kwargs = {}
    for name in ("pk", "id"):
        if f"<int:{name}>" in pattern or f"<{name}>" in pattern:
            kwargs[name] = world[OBJECT.get(route, "policy")].pk
    url = reverse(route, kwargs=kwargs)
    got = []
    for who in (ANON, A, B, PLAN):
        user = people.get(who)
        api = route.startswith("api-v1:")
        client = Client() if who == ANON or api else client_for(user)
        token = token_for(user) if api and user is not None else None
        got.append(_request(client, method, url, world, route, token).status_code)
    assert tuple(got) == MATRIX[(route, method)], dict(zip((ANON, A, B, PLAN), got, strict=True))


# ---- CSRF and cookies -------------------------------------------------------------------------


def test_form_posts_without_the_csrf_token_are_refused(people, tmp_path):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(people["a"], backend="django.contrib.auth.backends.ModelBackend")
    with open(good_workbook(tmp_path), "rb") as fh:
        r = c.post("/upload/", {"file": fh})
    assert r.status_code == 403
    assert "画面が古くなっています" in r.content.decode()


def test_session_cookie_is_httponly_and_samesite_lax(people):
    from django.test import Client

    c = Client()
    c.get("/login/")
    r = c.post("/login/", {"username": "digital", "password": PASSWORD})
    assert r.status_code == 302
    cookie = r.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]


def test_check_deploy_is_clean_for_https(tmp_path):
    """`serve` behind an HTTPS proxy (CHOSHO_HTTPS=1): secure cookies, HSTS, redirects."""
    env = dict(os.environ, CHOSHO_DATA=str(tmp_path / "data"), CHOSHO_HTTPS="1",
               DJANGO_SETTINGS_MODULE="chosho_xlsx.portal.settings")
    r = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                       env=env, capture_output=True, text=True, cwd=TESTS)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


# ---- login lockout ------------------------------------------------------------------------------


def test_login_locks_after_five_failures_of_one_user_from_one_address(people):
    from django.test import Client

    c = Client()
    for _ in range(4):
        r = c.post("/login/", {"username": "digital", "password": "wrong"})
        assert r.status_code == 200 and "続けて5回間違えると" in r.content.decode()
    for password in ("wrong", PASSWORD):  # the fifth failure locks; then even the right password
        locked = c.post("/login/", {"username": "digital", "password": password})
        assert locked.status_code == 429
        assert "ログインが一時的に止められています" in locked.content.decode()
    # by user and address: another user from the same address still gets in
    assert c.post("/login/", {"username": "doboku", "password": PASSWORD}).status_code == 302


# ---- upload size -------------------------------------------------------------------------------


def test_uploads_over_the_limit_get_413_with_a_message(people, tmp_path, settings_limit=1000):
    from django.test import override_settings

    path = good_workbook(tmp_path)
    assert path.stat().st_size > settings_limit
    a = client_for(people["a"])
    with override_settings(CHOSHO_MAX_UPLOAD_BYTES=settings_limit):
        with open(path, "rb") as fh:
            page = a.post("/upload/", {"file": fh})
        with open(path, "rb") as fh:
            api = a.post("/api/v1/submissions", {"file": fh}, headers={"Authorization": f"Bearer {token_for(people['a'])}"})
    assert page.status_code == 413 and "ファイルが大きすぎます（上限 0 MB）" in page.content.decode()
    assert api.status_code == 413 and api.json()["error"]["message"].startswith("ファイルが大きすぎます")
    from chosho_xlsx.portal.models import Upload

    assert not Upload.objects.exists()


def test_served_portal_refuses_a_large_upload_at_once(tmp_path):
    import time
    import urllib.error
    import urllib.request

    from support.portal import Server, cli

    data = tmp_path / "data"
    cli(data, "users", "add", "digital", "--role", "department", "--dept", "デジタル戦略課")
    token = cli(data, "users", "token", "digital").stdout.strip()
    server = Server(data, CHOSHO_MAX_UPLOAD_MB="1")
    try:
        body = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n\r\n"
        body += b"\0" * (1536 * 1024) + b"\r\n--x--\r\n"
        req = urllib.request.Request(server.url + "/api/v1/submissions", data=body, method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data; boundary=x"})
        start = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=60)
        assert err.value.code == 413
        assert "上限 1 MB" in err.value.read().decode()
        assert time.monotonic() - start < 30
    finally:
        server.stop()


def test_audit_log_records_users_added(django_portal, db, monkeypatch):
    from typer.testing import CliRunner

    from chosho_xlsx.cli import app
    from chosho_xlsx.portal.models import Event

    monkeypatch.setenv("CHOSHO_PASSWORD", PASSWORD)
    r = CliRunner().invoke(app, ["users", "add", "kansa", "--role", "planning", "--data", str(django_portal)])
    assert r.exit_code == 0, r.output
    assert Event.objects.filter(action="利用者追加", comment__startswith="kansa").exists()


def test_the_name_a_browser_sends_is_never_a_path_and_files_are_never_shown_inline(people, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from chosho_xlsx.portal import services
    from chosho_xlsx.portal.services import files

    a = client_for(people["a"])
    content = good_workbook(tmp_path).read_bytes()
    sent = SimpleUploadedFile("..\\..\\..\\Windows\\<script>x.xlsx", content)
    page = a.post("/upload/", {"file": sent})
    assert page.status_code == 302
    from chosho_xlsx.portal.models import Upload

    up = Upload.objects.get()
    assert up.filename == "_script_x.xlsx"
    assert files.blob(up).parent.parent == services.data().root / "files"
    served = a.get(f"/uploads/{up.pk}/file")
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Type"].startswith("application/vnd.openxmlformats")


def test_admin_is_the_planning_divisions_in_japanese_and_read_only(world, people):
    a, planning = client_for(people["a"]), client_for(people["planning"])
    assert a.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    index = planning.get("/admin/").content.decode()
    assert "調書ポータル 管理（企画課）" in index and "最近行った操作" in index  # Django's own text in Japanese
    assert "/admin/portal/upload/" in index and "/admin/portal/event/" in index
    listed = planning.get("/admin/portal/upload/").content.decode()
    assert world["upload"].filename in listed and "アップロード を追加" not in listed
    pk = world["upload"].pk
    shown = planning.get(f"/admin/portal/upload/{pk}/change/")
    assert shown.status_code == 200 and 'name="_save"' not in shown.content.decode()
    # in Japanese, as the pages show things (issue 19 item 4): names, years, states, findings as a table
    for name in ("施策", "版", "操作記録", "一括作成", "利用者の役割"):
        assert f">{name}</a>" in index, name
    assert "Policys" not in index and "Sha256" not in index
    policies = planning.get("/admin/portal/policy/").content.decode()
    assert re.search(r">R6</a></th>", policies) and ">2024<" not in policies and "Policy object" not in policies
    assert re.search(r'<td class="field-status">(エラーあり|警告あり|未提出)</td>', policies)
    page = shown.content.decode()
    assert f"R6 {world['policy'].name} 第{world['upload'].version}版" in page
    assert '<table class="findings">' in page and "E-REF-GROUP" in page and "findings&quot;" not in page
    assert planning.get("/admin/portal/upload/add/").status_code == 403
    assert planning.post(f"/admin/portal/upload/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert planning.post(f"/admin/portal/policy/{world['policy'].pk}/change/", {"state": "locked"}).status_code == 403
    assert "token_hash" not in planning.get(f"/admin/portal/profile/{people['a'].profile.pk}/change/").content.decode()
    assert a.get(f"/admin/portal/upload/{pk}/change/").status_code == 302
