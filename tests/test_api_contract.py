"""The API as a published contract (issue 20): the OpenAPI schema and its page served from
our own files, every error in the one JSON shape with its code, and the downloads and
transitions by token with the pages' access rules. Django's test client, in this process."""

from __future__ import annotations

import re

import pytest

from support.portal import api, good_workbook, token_for

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]  # its fixtures: db, people …

ERROR_KEYS = {"code", "message", "request_id"}


def error_of(r, status: int, code: str) -> dict:
    assert r.status_code == status, (r.status_code, r.content[:500])
    assert r["Content-Type"].startswith("application/json")
    body = r.json()["error"]
    assert set(body) - {"findings"} == ERROR_KEYS
    assert body["code"] == code
    assert body["request_id"] == r["X-Request-Id"] and re.fullmatch(r"[0-9a-f]{32}", body["request_id"])
    return body


def upload(path, token, **extra):
    with open(path, "rb") as fh:
        return api(None, "post", "/api/v1/submissions", token, data={"file": fh, **extra})


# ---- the schema and its page ------------------------------------------------------------------


def test_the_schema_is_openapi_3_1_and_names_every_operation(db):
    from django.test import Client

    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.1")
    operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    assert {("GET", "/api/v1/submissions"), ("POST", "/api/v1/submissions"), ("GET", "/api/v1/submissions/{id}"),
            ("GET", "/api/v1/dashboard"), ("POST", "/api/v1/builds"), ("GET", "/api/v1/builds"),
            ("GET", "/api/v1/builds/{id}"), ("GET", "/api/v1/policies/{id}"),
            ("GET", "/api/v1/submissions/{id}/file"), ("GET", "/api/v1/submissions/{id}/annotated"),
            ("GET", "/api/v1/submissions/{id}/preview"), ("POST", "/api/v1/submissions/{id}/submit"),
            ("POST", "/api/v1/policies/{id}/return"), ("POST", "/api/v1/policies/{id}/lock"),
            ("GET", "/api/v1/policies/{id}/diff"), ("GET", "/api/v1/policies/{id}/rollover")} <= operations
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            # every operation says what it does in Japanese, and every answer is described
            assert re.search(r"[ぁ-んァ-ン一-龥]", op["summary"] + op.get("description", "")), (method, path)
            assert {"401", "500"} <= set(op["responses"]), (method, path)
            for status, answer in op["responses"].items():
                assert answer["description"] not in ("", "Unknown Status Code"), (method, path, status)
                if status.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["securitySchemes"] == {"Token": {
        "type": "http", "scheme": "bearer", "description": schema["components"]["securitySchemes"]["Token"]["description"]}}


def test_the_docs_page_uses_our_own_static_files_not_a_cdn(db):
    from django.test import Client

    c = Client()
    page = c.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "//cdn" not in html and "https://" not in html and "http://" not in html
    sources = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {"/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"} <= set(sources)
    for src in sources:
        assert c.get(src).status_code == 200, src  # whitenoise, from the package (finders)


# ---- errors: one shape, a code for programs ------------------------------------------------------


def test_malformed_input_is_400_json_not_a_500_page(people, tmp_path):
    a = token_for(people["a"])
    with open(good_workbook(tmp_path), "rb") as fh:
        r = api(None, "post", "/api/v1/submissions", a, data={"file": fh, "policy_id": "abc"})
    assert "policy_id" in error_of(r, 400, "invalid")["message"]
    assert "file" in error_of(api(None, "post", "/api/v1/submissions", a), 400, "invalid")["message"]
    planning = token_for(people["planning"])
    body = error_of(api(None, "get", "/api/v1/dashboard?year=abc", planning), 400, "invalid")
    assert body["message"] == "リクエストの形が正しくありません: query.year の書き方が正しくありません（/api/v1/docs に説明があります）"
    error_of(api(None, "get", "/api/v1/submissions/abc", a), 400, "invalid")
    error_of(api(None, "get", "/api/v1/submissions/0", a), 400, "invalid")
    error_of(api(None, "get", f"/api/v1/submissions/{2**70}", a), 400, "invalid")


def test_401_403_404_405_415_in_the_one_shape(people):
    a, planning = token_for(people["a"]), token_for(people["planning"])
    r = api(None, "get", "/api/v1/submissions", "wrong")
    assert "Authorization: Bearer" in error_of(r, 401, "unauthenticated")["message"]
    assert r["WWW-Authenticate"] == 'Bearer realm="chosho-xlsx"'
    error_of(api(None, "get", "/api/v1/dashboard", a), 403, "forbidden")
    # the wrong role is 403 before the fields are read
    error_of(api(None, "post", "/api/v1/builds", a, data={"year": "nonsense"}), 403, "forbidden")
    error_of(api(None, "get", "/api/v1/submissions/999", a), 404, "not-found")
    for path in ("/api/v1/nothing", "/api/v2/submissions", "/api/v1/submissions/1/nothing"):
        error_of(api(None, "get", path, a), 404, "not-found")
    r = api(None, "delete", "/api/v1/submissions", a)
    assert "DELETE" in error_of(r, 405, "method-not-allowed")["message"]
    assert set(r["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    r = api(None, "post", "/api/v1/submissions", a, data=b'{"file": "x"}', content_type="application/json")
    error_of(r, 415, "unsupported-media-type")
    r = api(None, "post", "/api/v1/policies/1/return", planning, data=b"reason", content_type="text/plain")
    error_of(r, 415, "unsupported-media-type")


def test_a_server_failure_is_500_json_with_the_request_id_in_the_log(people, tmp_path, monkeypatch, caplog):
    from chosho_xlsx.portal.services import files

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files, "receive", broken)
    r = upload(good_workbook(tmp_path), token_for(people["a"]))
    body = error_of(r, 500, "internal")
    assert body["request_id"] in body["message"]
    assert "disk full" not in r.content.decode() and "Traceback" not in r.content.decode()
    logged = [rec for rec in caplog.records if body["request_id"] in rec.getMessage()]
    assert logged and logged[0].exc_info[1].args == ("disk full",)


def test_too_large_is_413_in_the_one_shape(people, tmp_path):
    from django.test import override_settings

    with override_settings(CHOSHO_MAX_UPLOAD_BYTES=1000):
        r = upload(good_workbook(tmp_path), token_for(people["a"]))
    assert error_of(r, 413, "too-large")["message"].startswith("ファイルが大きすぎます")


def test_bodies_the_schema_does_not_allow_are_400_or_415(people):
    a, planning = token_for(people["a"]), token_for(people["planning"])
    # multipart without its boundary (Django cannot take it apart): the client's fault, not a 500
    r = api(None, "post", "/api/v1/submissions", a, data=b"x", content_type="multipart/form-data")
    assert "multipart" in error_of(r, 400, "invalid")["message"]
    # the JSON form of a form: null is not a value a form can send
    r = api(None, "post", "/api/v1/builds", planning, data=b'{"year": null}', content_type="application/json")
    assert error_of(r, 400, "invalid")["message"].endswith("form.year が正しくありません")
    # a key that is no field is ignored, null or not
    r = api(None, "post", "/api/v1/policies/1/return", planning, data=b'{"reason": "x", "other": null}',
            content_type="application/json")
    assert r.status_code == 404
    for body in (b"[1]", b"{", b"{\"year\": \"R6\""):
        error_of(api(None, "post", "/api/v1/builds", planning, data=body, content_type="application/json"),
                 400, "invalid")
    # a year the schema does not describe is refused by the schema's own pattern
    for year in ("R0", "R６", "0000000000000000000", "1925"):
        error_of(api(None, "get", f"/api/v1/dashboard?year={year}", planning), 400, "invalid")
    # a reason of spaces only is no reason
    r = api(None, "post", "/api/v1/policies/1/return", planning, data={"reason": " \u3000"})
    assert "form.reason" in error_of(r, 400, "invalid")["message"]


def test_downloads_and_transitions_by_token(people, tmp_path):
    import io
    import zipfile

    from support.portal import wrong_cell_workbook

    a, b, planning = token_for(people["a"]), token_for(people["b"]), token_for(people["planning"])
    wrong, _ = wrong_cell_workbook(tmp_path)
    first = upload(wrong, a).json()
    path = good_workbook(tmp_path)
    up = upload(path, a).json()
    r = api(None, "get", f"/api/v1/submissions/{up['id']}/file", a)
    assert r.status_code == 200 and b"".join(r.streaming_content) == path.read_bytes()
    assert r["Content-Disposition"] == "attachment; filename*=utf-8''%E3%83%87%E3%82%B8%E3%82%BF%E3%83%AB%E6%88%A6%E7%95%A5%E8%AA%B2_%E6%96%BD%E7%AD%96.xlsx"
    r = api(None, "get", f"/api/v1/submissions/{first['id']}/annotated", a)
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert api(None, "get", f"/api/v1/submissions/{up['id']}/file", b).status_code == 404
    diff = api(None, "get", f"/api/v1/policies/{up['policy_id']}/diff", a)
    assert diff.status_code == 200
    assert (diff.json()["old_id"], diff.json()["new_id"], diff.json()["relation"]) == (first["id"], up["id"], "same-year")
    r = api(None, "get", f"/api/v1/policies/{up['policy_id']}/diff?format=xlsx", a)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")

    # 提出 (the fields as JSON), 差し戻し, 提出 again, 確定: each answers the 施策
    r = api(None, "post", f"/api/v1/submissions/{first['id']}/submit", a, data={"comment": "x"})
    assert error_of(r, 409, "conflict")["message"].startswith("提出できるのは、いま判定に使っている版（第2版）だけです。")
    r = api(None, "post", f"/api/v1/submissions/{up['id']}/submit", a)
    assert error_of(r, 400, "invalid")["message"].startswith("警告があります")
    r = api(None, "post", f"/api/v1/submissions/{up['id']}/submit", a, data='{"comment": "確認済み"}'.encode(),
            content_type="application/json")
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("id", "status", "submitted_id", "current_id", "reason")} == {
        "id": up["policy_id"], "status": "提出済", "submitted_id": up["id"], "current_id": up["id"], "reason": None}
    assert [v["id"] for v in r.json()["versions"]] == [up["id"], first["id"]]
    error_of(api(None, "post", f"/api/v1/policies/{up['policy_id']}/return", a, data={"reason": "x"}), 403, "forbidden")
    r = api(None, "post", f"/api/v1/policies/{up['policy_id']}/return", planning, data={"reason": "根拠を書いてください"})
    assert (r.status_code, r.json()["status"], r.json()["reason"]) == (200, "差し戻し", "根拠を書いてください")
    assert api(None, "get", f"/api/v1/policies/{up['policy_id']}", a).json()["reason"] == "根拠を書いてください"
    error_of(api(None, "post", f"/api/v1/policies/{up['policy_id']}/lock", planning), 409, "conflict")
    api(None, "post", f"/api/v1/submissions/{up['id']}/submit", a, data={"comment": "書きました"})
    r = api(None, "post", f"/api/v1/policies/{up['policy_id']}/lock", planning)
    assert (r.status_code, r.json()["status"]) == (200, "確定")
    error_of(api(None, "post", f"/api/v1/policies/{up['policy_id']}/unlock", planning, data={"reason": " "}),
             400, "invalid")
    r = api(None, "post", f"/api/v1/policies/{up['policy_id']}/unlock", planning, data={"reason": "数値の訂正"})
    assert (r.status_code, r.json()["status"], r.json()["reason"]) == (200, "提出済", "数値の訂正")
    error_of(api(None, "post", f"/api/v1/policies/{up['policy_id']}/withdraw", planning), 403, "forbidden")
    r = api(None, "post", f"/api/v1/policies/{up['policy_id']}/withdraw", a)
    assert (r.status_code, r.json()["status"], r.json()["submitted_id"]) == (200, "警告あり", None)
    error_of(api(None, "post", f"/api/v1/policies/{up['policy_id']}/withdraw", a), 409, "conflict")
    api(None, "post", f"/api/v1/submissions/{up['id']}/submit", a, data={"comment": "書きました"})
    api(None, "post", f"/api/v1/policies/{up['policy_id']}/lock", planning)

    made = api(None, "post", "/api/v1/builds", planning, data={"year": "令和6年度"})
    assert made.status_code == 200 and made["Content-Disposition"] == (
        "attachment; filename*=utf-8''R6_%E8%AA%BF%E6%9B%B8_" + made["X-Build-Id"] + ".zip")
    zip_bytes = b"".join(made.streaming_content)
    listed = api(None, "get", "/api/v1/builds", planning).json()["builds"]
    assert [(x["id"], x["fiscal_year"], x["policies"]) for x in listed] == [(int(made["X-Build-Id"]), "R6", 1)]
    again = api(None, "get", f"/api/v1/builds/{made['X-Build-Id']}", planning)
    assert b"".join(again.streaming_content) == zip_bytes
    assert "一覧.xlsx" in zipfile.ZipFile(io.BytesIO(zip_bytes)).namelist()
    error_of(api(None, "get", "/api/v1/builds/999", planning), 404, "not-found")
