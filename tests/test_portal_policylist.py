"""The year's list of 施策 (issue 19): imported from .csv (UTF-8 or Shift_JIS) or .xlsx,
an upload naming a 施策 not on it refused with the closest names, a wrongly registered
施策 renamed or merged into the right one (its versions move, the audit keeps both
names), and the per-施策 blank workbook filled in and named after its 施策."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from support.portal import DIGITAL, OTHER, POLICY, client_for, good_workbook

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]

LIST_CSV = ("基本戦略,施策名,主管課\r\n"
            f"3-1 人口減少に対応できる持続可能な地域を創る,{POLICY},{DIGITAL}\r\n"
            f"3-2 安全安心,安全で安心な道路網の整備,{OTHER}\r\n")


def _import(user, content: bytes, name: str = "施策一覧.csv"):
    from chosho_xlsx.portal.services import policylist

    return policylist.import_list(user, 2024, 2021, 2025, policylist.parse_list(content, name))


def _upload(user, path):
    from chosho_xlsx.portal.services import files

    return files.receive(user, path.read_bytes(), path.name)


def test_a_list_from_csv_in_utf8_or_shift_jis_and_from_xlsx(people, tmp_path):
    from chosho_xlsx.portal.models import Policy

    assert _import(people["planning"], LIST_CSV.encode("utf-8-sig")) == (2, 0)
    p = Policy.objects.get(name=POLICY)
    assert (p.strategy, p.section, p.listed, p.fiscal_year) == (
        "3-1 人口減少に対応できる持続可能な地域を創る", DIGITAL, True, 2024)
    assert _import(people["planning"], LIST_CSV.replace("3-2 安全安心", "3-2 安全・安心").encode("cp932")) == (0, 1)
    assert Policy.objects.get(name="安全で安心な道路網の整備").strategy == "3-2 安全・安心"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["施策名", "主管課"])  # 基本戦略 is optional; the column order is free
    ws.append(["観光の振興", "観光振興課"])
    buf = io.BytesIO()
    wb.save(buf)
    assert _import(people["planning"], buf.getvalue(), "list.xlsx") == (1, 0)


@pytest.mark.parametrize(("content", "message"), [
    ("施策名\r\n観光の振興\r\n", "施策一覧の1行目に見出し「主管課」がありません（基本戦略・施策名・主管課の3列です）。"),
    ("施策名,主管課\r\n観光の振興,\r\n", "施策一覧の2行目: 施策名と主管課を入れてください。"),
    ("", "施策一覧のファイルに行がありません。"),
])
def test_a_list_that_cannot_be_used_is_one_sentence(people, content, message):
    from chosho_xlsx.portal.errors import Invalid

    with pytest.raises(Invalid) as exc:
        _import(people["planning"], content.encode())
    assert exc.value.message == message and exc.value.code == "list-invalid"
    with pytest.raises(Invalid) as exc:
        _import(people["planning"], b"PK\x03\x04 not a workbook", "list.xlsx")
    assert exc.value.code == "list-unreadable"


def test_an_upload_not_on_the_list_is_refused_with_the_closest_names(people, tmp_path):
    from chosho_xlsx.portal.errors import Unprocessable
    from chosho_xlsx.portal.models import Policy

    _import(people["planning"], LIST_CSV.replace(POLICY, POLICY + "の推進").encode())
    with pytest.raises(Unprocessable) as exc:
        _upload(people["a"], good_workbook(tmp_path))
    assert exc.value.code == "policy-not-listed"
    assert exc.value.message.startswith(f"施策「{POLICY}」は今年度の施策一覧にありません。もしかして: 「{POLICY}の推進」")
    assert not Policy.objects.filter(name=POLICY).exists()
    # on the list: received as a version of the listed 施策
    _import(people["planning"], LIST_CSV.encode())
    up, created = _upload(people["a"], good_workbook(tmp_path))
    assert created and up.policy.name == POLICY


def test_rename_and_merge_keep_the_versions_and_both_names(people, tmp_path):
    from chosho_xlsx.portal.errors import Conflict
    from chosho_xlsx.portal.models import Event, Policy
    from chosho_xlsx.portal.services import policylist, registry

    up, _ = _upload(people["a"], good_workbook(tmp_path))  # registers POLICY on first upload
    wrong = up.policy
    right = registry.register(people["planning"], 2024, 2021, 2025, POLICY + "（正）", DIGITAL)
    with pytest.raises(Conflict) as exc:
        policylist.rename(people["planning"], wrong, POLICY + "（正）")
    assert exc.value.code == "policy-exists"
    policylist.rename(people["planning"], wrong, POLICY + "（仮）")
    assert Event.objects.filter(action=Event.RENAME, policy=wrong).get().comment == (
        f"施策名を変更: 「{POLICY}」→「{POLICY}（仮）」")
    merged = policylist.merge(people["planning"], wrong, right)
    assert merged.pk == right.pk and not Policy.objects.filter(pk=wrong.pk).exists()
    assert [(u.version, u.sha256) for u in right.uploads.all()] == [(1, up.sha256)]
    assert Event.objects.filter(policy=right, action=Event.MERGE).get().comment == (
        f"施策「{POLICY}（仮）」を「{POLICY}（正）」に統合（1版を移動）")
    assert Event.objects.filter(policy=right, action=Event.RENAME).exists()  # the history moved too


def test_the_blank_workbook_of_a_policy_is_filled_in_and_named_after_it(people):
    from chosho_xlsx.portal.services import registry

    p = registry.register(people["planning"], 2024, 2021, 2025, POLICY, DIGITAL)
    p.strategy = "3-1 人口減少に対応できる持続可能な地域を創る"
    p.save()
    r = client_for(people["a"]).get(f"/policies/{p.pk}/template.xlsx")
    assert r.status_code == 200
    assert f"R6_入力ブック_{POLICY}.xlsx" in r["Content-Disposition"] or "filename*=" in r["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    items = {row[0].value: row[1].value for row in wb["調書"].iter_rows(min_row=2) if row[0].value}
    assert (items["実施年度"], items["計画期間"], items["基本戦略名"], items["施策名"]) == (
        "R6", "R3-R7", "3-1 人口減少に対応できる持続可能な地域を創る", POLICY)


def test_the_list_page_imports_renames_and_merges_after_asking(people, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from chosho_xlsx.portal.models import Policy

    planning = client_for(people["planning"])
    r = planning.post("/policies/list/import", {"year": "R6", "plan": "R3-R7",
                                               "file": SimpleUploadedFile("施策一覧.csv", LIST_CSV.encode("utf-8-sig"))})
    assert r.status_code == 302
    page = planning.get(r["Location"]).content.decode()
    assert "施策一覧を取り込みました（新規 2 件・更新 0 件）。" in page and POLICY in page
    bad = planning.post("/policies/list/import", {"year": "R6", "plan": "R3-R7",
                                                 "file": SimpleUploadedFile("l.csv", "施策名\r\nx\r\n".encode())})
    assert bad.status_code == 400
    assert "施策一覧の1行目に見出し「主管課」がありません" in bad.content.decode()  # on the same page
    road = Policy.objects.get(name="安全で安心な道路網の整備")
    typo = Policy.objects.create(fiscal_year=2024, name="安全で安心な道路網の整傭", key="typo", section=OTHER,
                                 plan_start=2021, plan_end=2025)
    taken = planning.post(f"/policies/{typo.pk}/rename", {"name": road.name})
    assert taken.status_code == 409 and "そちらへの統合を選んでください" in taken.content.decode()
    ask = planning.get(f"/policies/{typo.pk}/merge", {"target": road.pk})
    assert ask.status_code == 200 and "この操作は元に戻せません" in ask.content.decode()
    assert Policy.objects.filter(pk=typo.pk).exists()  # asking changed nothing
    done = planning.post(f"/policies/{typo.pk}/merge", {"target": road.pk, "confirm": "1"})
    assert done.status_code == 302 and not Policy.objects.filter(pk=typo.pk).exists()
    assert client_for(people["a"]).get("/policies/list/").status_code == 403


def test_the_api_imports_renames_and_merges_for_planning_only(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from chosho_xlsx.portal.models import Policy

    from support.portal import api, token_for

    planning, a = token_for(people["planning"]), token_for(people["a"])
    csv_file = lambda: SimpleUploadedFile("施策一覧.csv", LIST_CSV.encode("utf-8-sig"))  # noqa: E731
    assert api(None, "post", "/api/v1/policy-list/import", a,
               data={"year": "R6", "plan": "R3-R7", "file": csv_file()}).status_code == 403
    r = api(None, "post", "/api/v1/policy-list/import", planning, data={"year": "R6", "plan": "R3-R7", "file": csv_file()})
    assert r.status_code == 200 and r.json() == {"fiscal_year": "R6", "created": 2, "updated": 0}
    bad = api(None, "post", "/api/v1/policy-list/import", planning,
              data={"year": "R6", "plan": "R3-R7", "file": SimpleUploadedFile("l.csv", b"x\r\n")})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "list-invalid"
    road = Policy.objects.get(name="安全で安心な道路網の整備")
    typo = Policy.objects.create(fiscal_year=2024, name="道路網", key="typo", section=OTHER, plan_start=2021, plan_end=2025)
    r = api(None, "post", f"/api/v1/policy-list/{typo.pk}/rename", planning, data={"name": "道路網の整傭"})
    assert r.status_code == 200 and r.json()["policy"] == "道路網の整傭"
    r = api(None, "post", f"/api/v1/policy-list/{typo.pk}/merge", planning, data={"target": road.pk})
    assert r.status_code == 200 and r.json()["id"] == road.pk
    assert api(None, "post", f"/api/v1/policy-list/{typo.pk}/merge", planning,
               data={"target": road.pk}).json()["error"]["code"] == "not-found"


def test_the_dashboard_shows_the_years_overview_of_submitted_versions(people, tmp_path):
    """The same figures as the 評価結果概要.xlsx of the example (8 evaluated, 4 reviewed = 50.0 %)."""
    from chosho_xlsx.portal.models import Policy

    page = lambda: re.sub(r"\s+", " ", client_for(people["planning"]).get("/dashboard/").content.decode())  # noqa: E731
    up, _ = _upload(people["a"], good_workbook(tmp_path))
    assert "提出済・確定の施策がまだありません。" in page()
    Policy.objects.filter(pk=up.policy_id).update(submitted=up)
    html = page()
    assert ("<td>3-1 人口減少に対応できる持続可能な地域を創る</td><td class=\"num\">8</td><td class=\"num\">4</td>"
            "<td class=\"num\">50.0%</td>") in html
    assert "<th>合計</th><th class=\"num\">8</th><th class=\"num\">4</th><th class=\"num\">50.0%</th>" in html
