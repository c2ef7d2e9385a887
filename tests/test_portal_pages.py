"""The portal's web pages in this process (Django's test client): the department's story
(upload → findings at their cells, annotated copy, fix, submit) and the planning
division's (status, history, return, lock, build), hostile files, the CLI commands."""

from __future__ import annotations

import re
import urllib.request

import pytest

from chosho_xlsx.common.findings import finding_dict
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file

from support.hostile import CASES
from support.portal import (
    DIGITAL,
    OTHER,
    PASSWORD,
    POLICY,
    POSTGRES,
    Server,
    api,
    cli,
    client_for,
    good_workbook,
    other_department_workbook,
    post_file,
    run_jobs,
    token_for,
    wrong_cell_workbook,
)
from support.portal import (
    page_text as text,
)

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]  # its fixtures: db, people …


def test_department_story(people, tmp_path):
    from openpyxl import load_workbook

    a = client_for(people["a"])
    bad, place = wrong_cell_workbook(tmp_path)
    r = post_file(a, bad)
    assert r.status_code == 302
    page = a.get(r["Location"])
    assert page.status_code == 200
    html = text(page)
    assert "エラー 1 件・警告 1 件" in html
    sheet, cell = place.split("!")
    # the findings table names the cell and links to it in the grid
    assert f'<td class="place"><a href="#cell-{sheet}-{cell}">{place}</a>' in html
    assert "事業群番号「9」は事業群シートにありません。" in html
    grid = re.search(rf'<table class="grid" data-sheet="{sheet}">(.*?)</table>', html).group(1)
    # the marked cell: focusable, its message shown on focus (and read out)
    assert re.search(rf'<td class="cell-error" data-cell="{cell}" id="cell-{sheet}-{cell}" tabindex="0" '
                     rf'aria-label="{cell} 9: {place} [^"]*">9<span class="tip" role="tooltip">{place} 事業群番号「9」'
                     r'は事業群シートにありません。 → [^<]*</span></td>', grid)
    assert "この版を提出する" not in html  # errors: no submit button

    upload_id = int(r["Location"].strip("/").split("/")[-1])
    annotated = a.get(f"/uploads/{upload_id}/annotated")
    assert annotated.status_code == 200
    assert annotated["Content-Disposition"].startswith("attachment")
    copy = tmp_path / "annotated.xlsx"
    copy.write_bytes(b"".join(annotated.streaming_content))
    comment = load_workbook(copy)[sheet][cell].comment
    assert comment is not None and "E-REF-GROUP" in comment.text
    assert a.post(f"/uploads/{upload_id}/submit").status_code == 409

    fixed = post_file(a, good_workbook(tmp_path))
    html = text(a.get(fixed["Location"]))
    assert "エラーなし・警告 1 件" in html and "この版を提出する" in html
    fixed_id = int(fixed["Location"].strip("/").split("/")[-1])
    refused = a.post(f"/uploads/{fixed_id}/submit", {"comment": " "})
    assert refused.status_code == 400 and "コメント欄" in text(refused)
    assert a.post(f"/uploads/{upload_id}/submit", {"comment": "x"}).status_code == 409  # not the latest
    done = a.post(f"/uploads/{fixed_id}/submit", {"comment": "見直し区分は縮小で正しい（事業統合のため）"})
    assert done.status_code == 302
    mine = text(a.get("/mine/"))
    assert POLICY in mine and "提出済" in mine
    policy = text(a.get(done["Location"]))
    assert "第1版" in policy and "第2版" in policy and "見直し区分は縮小で正しい" in policy
    # submitted: a new version waits for a return
    again = post_file(a, bad)
    assert again.status_code == 302  # the same bytes as version 1: that version, nothing new
    with open(bad, "rb") as fh:
        data = fh.read() + b"\0"
    changed = tmp_path / "changed.xlsx"
    changed.write_bytes(data)
    assert post_file(a, changed).status_code in (409, 422)
    template = a.get("/template.xlsx")
    assert template.status_code == 200 and b"".join(template.streaming_content)[:2] == b"PK"


def test_planning_story(people, tmp_path):
    from chosho_xlsx.portal.models import Policy
    from chosho_xlsx.portal.services import review

    a, b, planning = (client_for(people[k]) for k in ("a", "b", "planning"))
    up_a = post_file(a, good_workbook(tmp_path / "a"))["Location"]
    up_b = post_file(b, other_department_workbook(tmp_path / "b"))["Location"]
    for client, up in ((a, up_a), (b, up_b)):
        assert client.post(up + "submit", {"comment": "確認しました"}).status_code == 302
    assert a.get("/dashboard/").status_code == 403
    dash = text(planning.get("/dashboard/"))
    assert re.search(r"<span>提出済</span><b>2</b>", dash)
    assert re.search(r"<span>未提出</span><b>0</b>", dash)
    p_a, p_b = Policy.objects.get(section=DIGITAL), Policy.objects.get(section=OTHER)
    only = text(planning.get("/dashboard/", {"status": "提出済", "section": OTHER}))
    assert p_b.name in only and p_a.name not in only

    assert planning.post(f"/policies/{p_b.pk}/return", {"comment": ""}).status_code == 400
    assert planning.post(f"/policies/{p_b.pk}/return", {"comment": "成果指標の出典を追記してください"}).status_code == 302
    assert planning.post(f"/policies/{p_a.pk}/lock").status_code == 302
    p_a.refresh_from_db()
    p_b.refresh_from_db()
    # a returned 施策 is 差し戻し on its own, with its reason (issue 19 item 5)
    assert [(r.status, r.reason) for r in review.rows([p_a, p_b])] == [
        ("確定", ""), ("差し戻し", "成果指標の出典を追記してください")]
    dash = text(planning.get("/dashboard/"))
    assert re.search(r"<span>差し戻し</span><b>1</b>", dash)
    assert '<div class="reason">成果指標の出典を追記してください</div>' in dash
    theirs = text(b.get("/mine/"))
    assert "差し戻し: 成果指標の出典を追記してください" in theirs
    history = text(planning.get(f"/policies/{p_b.pk}/"))
    for action in ("アップロード", "提出", "差し戻し"):
        assert f"<td>{action}</td>" in history
    # a department sees neither the other's 施策 nor its versions
    assert b.get(f"/policies/{p_a.pk}/").status_code == 404
    assert b.get(up_a).status_code == 404
    assert b.get(up_a + "file").status_code == 404

    built = planning.post("/builds/", {"year": p_a.fiscal_year})
    assert built.status_code == 302
    zipped = planning.get(built["Location"])
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    audit = text(planning.get("/audit/"))
    for action in ("アップロード", "提出", "差し戻し", "確定", "一括作成"):
        assert f"<td>{action}</td>" in audit
    assert a.get("/audit/").status_code == 403


def test_register_and_assign(people, tmp_path):
    planning = client_for(people["planning"])
    r = planning.post("/policies/new", {"year": "R6", "plan": "R3-R7", "name": POLICY, "section": OTHER})
    assert r.status_code == 302
    dash = text(planning.get("/dashboard/"))
    assert re.search(r"<span>未提出</span><b>1</b>", dash)
    # registered for 土木総務課: デジタル戦略課 may not submit it until assigned
    a = client_for(people["a"])
    assert post_file(a, good_workbook(tmp_path)).status_code == 403
    from chosho_xlsx.portal.models import Policy

    policy = Policy.objects.get()
    assert planning.post(f"/policies/{policy.pk}/assign", {"section": DIGITAL}).status_code == 302
    assert post_file(a, good_workbook(tmp_path)).status_code == 302


HOSTILE = [(build, code) for build, code in CASES if code != "E-FILE-DIRECTORY"]


@pytest.mark.parametrize(("build", "code"), HOSTILE, ids=[code for _, code in HOSTILE])
def test_hostile_files_get_the_clis_finding_and_never_a_500(people, tmp_path, build, code):
    from chosho_xlsx.portal.services.registry import register

    register(people["planning"], 2024, 2021, 2025, POLICY, DIGITAL)
    path = build(tmp_path)
    a = client_for(people["a"])
    r = post_file(a, path)
    assert r.status_code == 302, text(r)
    page = a.get(r["Location"])
    assert page.status_code == 200
    checked = check_file(path, load_ruleset())
    cli = finding_dict(checked, checked.findings[0], "ja")
    shown = cli["message"].replace(str(path), path.name)
    assert cli["code"] == code
    from django.utils.html import escape

    assert escape(shown) in page.content.decode()
    from chosho_xlsx.portal.models import Upload

    stored = Upload.objects.get()
    assert stored.findings[0]["code"] == code and stored.findings[0]["message"] == shown
    assert stored.readable is False


def test_serve_and_users_commands(tmp_path):
    data = tmp_path / "data"
    added = cli(data, "users", "add", "kikaku", "--role", "planning")
    assert "kikaku" in added.stdout
    cli(data, "users", "add", "digital", "--role", "department", "--dept", DIGITAL)
    missing = cli(data, "users", "add", "x", "--role", "department", check=False)
    assert missing.returncode == 2 and "--dept" in missing.stderr
    listed = cli(data, "users", "list").stdout.splitlines()
    assert listed == [f"digital\tdepartment\t{DIGITAL}\t-\t-", "kikaku\tplanning\t-\t-\t-"]  # name, role, 課, e-mail, token
    token = cli(data, "users", "token", "digital").stdout.strip()
    assert len(token) >= 40
    assert (data / "db.sqlite3").exists() != bool(POSTGRES)  # SQLite in the data folder by default
    assert (data / "secret_key").stat().st_mode & 0o077 == 0
    server = Server(data)
    try:
        req = urllib.request.Request(server.url + "/api/v1/submissions", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 200
        login = urllib.request.urlopen(server.url + "/login/", timeout=30).read().decode()
        assert "ログイン名" in login
        css = urllib.request.urlopen(server.url + "/static/portal/portal.css", timeout=30)
        assert css.status == 200
    finally:
        server.stop()
    if not POSTGRES:
        assert PASSWORD not in (data / "db.sqlite3").read_bytes().decode("latin-1")


def test_preview_pdf_of_a_version(people, tmp_path):
    from support.skips import missing_tools

    missing = missing_tools(())
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    a = client_for(people["a"])
    page = post_file(a, good_workbook(tmp_path))["Location"]
    waiting = a.get(page + "preview.pdf")  # a worker makes it: the department sees it being prepared
    assert waiting.status_code == 302 and waiting["Location"].startswith("/jobs/")
    prepared = a.get(waiting["Location"]).content.decode()
    assert "印刷イメージ" in prepared and "<progress" in prepared and "portal/job.js" in prepared
    in_api = f"/api/v1/submissions/{page.rstrip('/').rsplit('/', 1)[1]}/preview"
    polled = api(None, "get", in_api, token_for(people["a"]))  # the same job, and when to ask again
    assert polled.status_code == 202 and polled["Retry-After"] == "3"
    assert polled.json()["id"] == int(waiting["Location"].strip("/").rsplit("/", 1)[1])
    run_jobs()
    assert api(None, "get", in_api, token_for(people["a"]))["Content-Type"] == "application/pdf"
    assert "印刷イメージを開く" in a.get(waiting["Location"]).content.decode()
    pdf = a.get(page + "preview.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("inline")


def test_serve_without_the_portal_extra_says_what_to_install(monkeypatch, tmp_path):
    import sys

    from typer.testing import CliRunner

    from chosho_xlsx.cli import app

    monkeypatch.setenv("CHOSHO_DATA", str(tmp_path))  # restored afterwards
    monkeypatch.setitem(sys.modules, "django", None)  # as if Django were not installed
    r = CliRunner().invoke(app, ["serve", "--data", str(tmp_path / "data")])
    assert r.exit_code == 2
    assert "pip install 'chosho-xlsx[portal]'" in r.output
