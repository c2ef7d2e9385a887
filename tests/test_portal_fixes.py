"""Fixing a flagged cell in the page (issue 24): the corrected value typed on a version's
page (or sent to the API) makes a new version whose workbook differs from the old only
in those cells, examined again, said in the history and the audit log."""

from __future__ import annotations

import io
import json
import re
from copy import copy

from openpyxl import load_workbook

from support import corpus
from support.portal import api, client_for, good_workbook, token_for
from support.portal import page_text as text
from support.portal import upload_id as upload

pytest_plugins = ["support.portal"]  # its fixtures: db, people …

# the four cells and what the example has there
FIXES = {"事業!O2": "43948", "事業!AB2": "改善", "指標!N4": "60所属", "指標!E2": "増加"}
FOUR = {("事業", "O2"): "43,948円", ("事業", "AB2"): "廃止?", ("指標", "N4"): "48.5%", ("指標", "E2"): "増える"}


def mistyped(folder, cells=None):
    return corpus.mistyped(good_workbook(folder, "デジタル戦略課_施策.xlsx"), cells or FOUR)


def stored(pk: int):
    from chosho_xlsx.portal.models import Upload
    from chosho_xlsx.portal.services.builds import blob

    return load_workbook(blob(Upload.objects.get(pk=pk)), rich_text=True)


def assert_same_but(old, new, changed: dict[str, object]) -> None:
    """The two workbooks cell by cell: values, formats, comments, validations and sheets
    the same, but for the `changed` cells' values."""
    assert old.sheetnames == new.sheetnames
    for ws in old.worksheets:
        other = new[ws.title]
        assert (ws.max_row, ws.max_column) == (other.max_row, other.max_column), ws.title
        assert sorted(map(str, ws.merged_cells.ranges)) == sorted(map(str, other.merged_cells.ranges))
        assert [(v.sqref, v.formula1, v.type) for v in ws.data_validations.dataValidation] == \
            [(v.sqref, v.formula1, v.type) for v in other.data_validations.dataValidation]
        assert {k: d.width for k, d in ws.column_dimensions.items()} == \
            {k: d.width for k, d in other.column_dimensions.items()}
        assert ws.freeze_panes == other.freeze_panes
        for row in ws.iter_rows():
            for a in row:
                b = other[a.coordinate]
                place = f"{ws.title}!{a.coordinate}"
                if place in changed:
                    assert b.value == changed[place], place
                else:
                    assert b.value == a.value, place
                assert _style(a) == _style(b), place
                assert (a.comment.text if a.comment else None) == (b.comment.text if b.comment else None), place


def _style(cell) -> tuple:
    # copies: openpyxl's read-only style proxies never compare equal to one another
    return (cell.number_format, *(copy(s) for s in (cell.font, cell.fill, cell.border, cell.alignment,
                                                     cell.protection)))


def test_fix_in_the_page_makes_a_new_version_that_differs_only_there(people, tmp_path):
    from chosho_xlsx.portal.models import Event, Policy, Upload

    a = client_for(people["a"])
    first = upload(a, mistyped(tmp_path / "1"))
    html = text(a.get(f"/uploads/{first}/"))
    assert f'action="/uploads/{first}/fixes"' in html and "修正して再確認" in html
    # a field for each finding's cell: a dropdown where the column has a list
    assert '<input type="text" name="fix:事業!O2"' in html and '<input type="text" name="fix:指標!N4"' in html
    assert re.search(r'<select name="fix:指標!E2"[^>]*><option value="">（直さない）</option>'
                     r'<option value="増加">増加</option><option value="減少">減少</option></select>', html)
    assert '<option value="改善">改善</option>' in re.search(r'<select name="fix:事業!AB2".*?</select>', html).group(0)
    # the warning's cell (事業!AB12, 見直し区分) has one too; nothing outside a finding's cell
    assert set(re.findall(r'name="fix:([^"]+)"', html)) == {*FIXES, "事業!AB12"}

    r = a.post(f"/uploads/{first}/fixes", {f"fix:{k}": v for k, v in FIXES.items()} | {"fix:事業!AB12": ""})
    assert r.status_code == 302
    second = int(r["Location"].strip("/").split("/")[-1])
    new = Upload.objects.get(pk=second)
    assert (new.version, new.errors, new.warnings, new.fixed_from_id) == (2, 0, 1, first)
    assert [f["place"] for f in new.findings] == ["事業!AB12"]
    page = text(a.get(r["Location"]))
    assert "第1版のセルを直して第2版を作り、確認し直しました。" in page and "エラーなし・警告 1 件" in page
    assert f'<a href="/uploads/{first}/">ページで修正（第1版から）</a>' in page

    assert_same_but(stored(first), stored(second),
                    {"事業!O2": 43948, "事業!AB2": "改善", "指標!N4": "60所属", "指標!E2": "増加"})
    # the department downloads the fixed workbook to go on in Excel
    fixed = a.get(f"/uploads/{second}/file")
    assert load_workbook(io.BytesIO(b"".join(fixed.streaming_content)))["事業"]["O2"].value == 43948

    policy = Policy.objects.get()
    assert "ページで修正（第1版から）" in text(a.get(f"/policies/{policy.pk}/"))
    event = Event.objects.get(action=Event.FIX)
    assert (event.upload_id, event.user, event.policy_id) == (second, people["a"], policy.pk)
    assert event.comment.startswith("第2版（ページで修正（第1版から）: 事業!O2「43948」、")
    assert "ページで修正" in text(client_for(people["planning"]).get("/audit/"))


def test_what_the_page_cannot_fix_is_refused_with_the_finding(people, tmp_path):
    from chosho_xlsx.portal.models import Upload
    from chosho_xlsx.portal.services import data

    a = client_for(people["a"])
    first = upload(a, mistyped(tmp_path / "1"))
    kept = set(data().blobs())

    def refused(fixes, status=422):
        r = a.post(f"/uploads/{first}/fixes", {f"fix:{k}": v for k, v in fixes.items()})
        assert r.status_code == status, text(r)[:400]
        return text(r)

    # a value the column cannot take: the finding it would make
    html = refused({"事業!O2": "4万円"})
    assert "入れた値ではまだ誤りがあります（事業!O2）" in html and "「4万円」は金額" in html
    assert "一覧から選んで" not in html
    assert "事業!A2 はこの版の指摘のあるセルではありません" in refused({"事業!A2": "1"})
    assert "改行" in refused({"事業!O2": "1\n2"})
    assert "直す値を1つ以上" in refused({}, 400)
    assert Upload.objects.count() == 1 and set(data().blobs()) == kept  # nothing made, nothing kept
    # planning may not fix; another department does not see the version
    assert client_for(people["planning"]).post(f"/uploads/{first}/fixes", {"fix:事業!O2": "1"}).status_code == 403
    assert client_for(people["b"]).post(f"/uploads/{first}/fixes", {"fix:事業!O2": "1"}).status_code == 404


def test_a_formula_cell_and_a_derived_column_stay_in_excel(people, tmp_path):
    path = good_workbook(tmp_path / "1", "デジタル戦略課_施策.xlsx")
    rate = corpus.add_column(path, "指標", "R4達成率", {0: "99%"})  # differs from the computed: a warning

    def change(wb):
        wb["事業"]["O2"] = "=40000+3948&\"円\""  # a formula whose result is no amount

    corpus.edit(path, change)
    a = client_for(people["a"])
    first = upload(a, path)
    html = text(a.get(f"/uploads/{first}/"))
    assert f"指標!{rate}2" in html and f'name="fix:指標!{rate}2"' not in html
    assert 'name="fix:事業!O2"' not in html
    r = a.post(f"/uploads/{first}/fixes", {"fix:事業!O2": "43948"})
    assert r.status_code == 422 and "数式のセル" in text(r)
    r = a.post(f"/uploads/{first}/fixes", {f"fix:指標!{rate}2": "50%"})
    assert r.status_code == 422 and "計算で求める列" in text(r)


def test_the_api_fixes_and_answers_with_the_new_version(people, tmp_path):
    from chosho_xlsx.portal.models import Upload

    token = token_for(people["a"])
    path = mistyped(tmp_path / "1")
    with open(path, "rb") as fh:
        first = api(None, "post", "/api/v1/submissions", token, data={"file": fh}).json()["id"]
    body = {"fixes": [{"cell": k, "value": v} for k, v in FIXES.items()]}
    r = api(None, "post", f"/api/v1/submissions/{first}/fixes", token, data=json.dumps(body),
            content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["version"], out["errors"], out["fixed_from"]) == (2, 0, first)
    assert [f["code"] for f in out["findings"]] == ["W-REVIEW-CONFLICT"]
    # the same fixes again: the same workbook, the version already there
    again = api(None, "post", f"/api/v1/submissions/{first}/fixes", token, data=json.dumps(body),
                content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == out["id"]

    wrong = {"fixes": [{"cell": "指標!N4", "value": "60%"}]}
    r = api(None, "post", f"/api/v1/submissions/{first}/fixes", token, data=json.dumps(wrong),
            content_type="application/json")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "unprocessable"
    assert [(f["place"], f["code"], f["value"]) for f in error["findings"]] == [("指標!N4", "E-UNIT", "60%")]
    r = api(None, "post", f"/api/v1/submissions/{first}/fixes", token,
            data=json.dumps({"fixes": [{"cell": "事業!A2", "value": "1"}]}), content_type="application/json")
    assert r.status_code == 422 and "指摘のあるセルではありません" in r.json()["error"]["message"]
    assert Upload.objects.count() == 2
