"""The portal's JSON API (/api/v1/), in this process with Django's test client: every
endpoint, 401 without a token, 403 for the planning endpoints and 404 across departments,
the same bytes twice as one version, and the build's 調書 equal to `chosho-xlsx build`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest

from support.commands import chosho_files
from support.portal import (
    POLICY,
    api,
    good_workbook,
    other_department_workbook,
    token_for,
    wrong_cell_workbook,
)

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]  # its fixtures: db, people …


def upload(path, token, **extra):
    with open(path, "rb") as fh:
        return api(None, "post", "/api/v1/submissions", token, data={"file": fh, **extra})


def test_every_endpoint_refuses_without_a_token(people):
    for method, path in [("get", "/api/v1/submissions"), ("post", "/api/v1/submissions"),
                         ("get", "/api/v1/submissions/1"), ("get", "/api/v1/dashboard"),
                         ("post", "/api/v1/builds")]:
        for token in (None, "not-a-token"):
            r = api(None, method, path, token)
            assert r.status_code == 401, (method, path)
            assert r["WWW-Authenticate"].startswith("Bearer")
            assert "Authorization: Bearer" in r.json()["error"]["message"]


def test_a_token_works_only_while_its_account_is_active_and_only_the_newest(people):
    """The token's lookup (api/auth.by_token) gives the account and its role in one
    statement: an account switched off is refused at once (401, as an unknown token), a
    new token replaces the old, and the role comes with it (a department's token on a
    planning-only operation: 403)."""
    user = people["a"]
    old = token_for(user)
    assert api(None, "get", "/api/v1/submissions", old).status_code == 200
    assert api(None, "post", "/api/v1/builds", old).status_code == 403
    new = token_for(user)
    assert [api(None, "get", "/api/v1/submissions", t).status_code for t in (old, new)] == [401, 200]
    user.is_active = False
    user.save(update_fields=["is_active"])
    r = api(None, "get", "/api/v1/submissions", new)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "unauthenticated")
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert api(None, "get", "/api/v1/submissions", new).status_code == 200


def test_upload_gives_findings_in_the_validate_shape_and_the_same_bytes_are_one_version(people, tmp_path):
    token = token_for(people["a"])
    path, place = wrong_cell_workbook(tmp_path)
    r = upload(path, token)
    assert r.status_code == 201
    body = r.json()
    assert set(body) >= {"id", "version", "sha256", "policy", "fiscal_year", "valid", "errors", "warnings", "findings"}
    assert (body["version"], body["policy"], body["fiscal_year"], body["valid"]) == (1, POLICY, "R6", False)
    # exactly what `validate --format json` says of the same file
    cli = subprocess.run([sys.executable, "-m", "chosho_xlsx.cli", "validate", str(path), "--format", "json"],
                         capture_output=True, text=True)
    expected = json.loads(cli.stdout)["files"][0]
    assert body["findings"] == expected["findings"]
    assert (body["errors"], body["warnings"]) == (expected["errors"], expected["warnings"])
    first = body["findings"][0]
    assert (first["place"], first["code"], first["value"]) == (place, "E-REF-GROUP", "9")
    import hashlib

    assert body["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

    again = upload(path, token)
    assert again.status_code == 200
    assert again.content == r.content  # the existing upload, byte for byte

    fixed = upload(good_workbook(tmp_path), token)
    assert fixed.status_code == 201
    assert (fixed.json()["version"], fixed.json()["valid"], fixed.json()["errors"]) == (2, True, 0)

    listed = api(None, "get", "/api/v1/submissions", token).json()["submissions"]
    assert [(s["id"], s["version"]) for s in listed] == [(body["id"], 1), (fixed.json()["id"], 2)]
    assert all("findings" not in s for s in listed)

    one = api(None, "get", f"/api/v1/submissions/{body['id']}", token)
    assert one.status_code == 200 and one.json() == body


def test_a_department_cannot_see_another_departments_uploads(people, tmp_path):
    a, b = token_for(people["a"]), token_for(people["b"])
    mine = upload(good_workbook(tmp_path / "a"), a).json()
    theirs = upload(other_department_workbook(tmp_path / "b"), b)
    assert theirs.status_code == 201
    assert api(None, "get", f"/api/v1/submissions/{mine['id']}", b).status_code == 404
    assert api(None, "get", f"/api/v1/submissions/{theirs.json()['id']}", a).status_code == 404
    assert [s["id"] for s in api(None, "get", "/api/v1/submissions", b).json()["submissions"]] == [theirs.json()["id"]]
    # and a 課 cannot file a version of a 施策 that is not its own
    stolen = upload(good_workbook(tmp_path / "c"), b)
    assert stolen.status_code == 403
    assert "デジタル戦略課" in stolen.json()["error"]["message"]
    planning = token_for(people["planning"])
    assert len(api(None, "get", "/api/v1/submissions", planning).json()["submissions"]) == 2


def test_dashboard_and_builds_are_for_the_planning_division(people, tmp_path):
    a, planning = token_for(people["a"]), token_for(people["planning"])
    assert api(None, "get", "/api/v1/dashboard", a).status_code == 403
    assert api(None, "post", "/api/v1/builds", a).status_code == 403
    path = good_workbook(tmp_path)
    up = upload(path, a).json()
    dash = api(None, "get", "/api/v1/dashboard", planning).json()
    assert dash["fiscal_year"] == "R6"
    assert dash["counts"] == {"未提出": 0, "エラーあり": 0, "警告あり": 1, "差し戻し": 0, "提出済": 0, "確定": 0}
    assert [(p["policy"], p["status"], p["latest_id"]) for p in dash["policies"]] == [(POLICY, "警告あり", up["id"])]
    assert api(None, "post", "/api/v1/builds", planning).status_code == 409  # nothing submitted yet

    from chosho_xlsx.portal.models import Upload
    from chosho_xlsx.portal.services import review

    review.submit(people["a"], Upload.objects.get(pk=up["id"]), "見直し区分は確認済み")
    assert api(None, "get", "/api/v1/dashboard", planning).json()["counts"]["提出済"] == 1
    r = api(None, "post", "/api/v1/builds", planning)
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    members = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    out = tmp_path / "cli"
    subprocess.run([sys.executable, "-m", "chosho_xlsx.cli", "build", str(path), "-o", str(out)],
                   check=True, capture_output=True)
    chosho = chosho_files(out)
    assert len(chosho) == 1
    assert sorted(members.namelist()) == sorted([chosho[0].name, "一覧.xlsx", "評価結果概要.xlsx"])
    assert members.read(chosho[0].name) == chosho[0].read_bytes()
    # The 一覧 names the submission, not the build's temporary folder, so the same
    # submissions give the same 一覧.
    summary = members.read("一覧.xlsx")
    assert b"chosho-portal-" not in zipfile.ZipFile(io.BytesIO(summary)).read("xl/sharedStrings.xml")
    again = api(None, "post", "/api/v1/builds", planning)
    assert zipfile.ZipFile(io.BytesIO(b"".join(again.streaming_content))).read("一覧.xlsx") == summary


def test_api_upload_without_a_file_or_for_an_unknown_policy(people, tmp_path):
    a = token_for(people["a"])
    assert api(None, "post", "/api/v1/submissions", a).status_code == 400
    with open(good_workbook(tmp_path), "rb") as fh:
        r = api(None, "post", "/api/v1/submissions", a, data={"file": fh, "policy_id": "999"})
    assert r.status_code == 404


def test_an_ods_is_a_version_like_its_xlsx_and_comes_back_as_an_ods(people, tmp_path):
    """A department on LibreOffice sends its workbook as .ods (issue 24): the same
    findings as the same workbook as .xlsx, kept and sent back as an .ods; no annotated
    copy is offered for it (openpyxl writes .xlsx only)."""
    import pytest

    from support.skips import missing_tools

    if missing_tools(()):
        pytest.skip("LibreOffice (soffice) not installed")
    from chosho_xlsx.render import libreoffice

    token = token_for(people["a"])
    xlsx, _place = wrong_cell_workbook(tmp_path)
    ods = libreoffice.convert(xlsx, "ods", tmp_path / "ods", recalc=False)
    as_xlsx = upload(xlsx, token).json()
    r = upload(ods, token)
    assert r.status_code == 201
    assert r.json()["findings"] == as_xlsx["findings"]
    file = api(None, "get", f"/api/v1/submissions/{r.json()['id']}/file", token)
    assert file["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert b"".join(file.streaming_content) == ods.read_bytes()
    assert api(None, "get", f"/api/v1/submissions/{r.json()['id']}/annotated", token).status_code == 404
