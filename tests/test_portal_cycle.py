"""The yearly cycle in the portal (issue 12「In the portal」): a 施策's history compares
two versions (diff.py) on a page and as the .xlsx change list, and a department's
template download offers last year's submission rolled over (rollover.py)."""

from __future__ import annotations

import io
import re

import pytest

from support import corpus
from support.portal import client_for, good_workbook, wrong_cell_workbook
from support.portal import page_text as text
from support.portal import upload_id as upload

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]  # its fixtures: db, people …


def lowered_target_workbook(folder):
    """The example with the first indicator's R7目標 lowered from 45件 to 40件 (指標!L2)."""
    rows = corpus.example_rows()
    rows["指標"][0]["R7目標"] = "40件"
    folder.mkdir(parents=True, exist_ok=True)
    return corpus.write(folder, rows, "デジタル戦略課_施策_v2.xlsx")


def test_history_compares_two_versions_on_the_page_and_as_xlsx(people, tmp_path):
    from openpyxl import load_workbook

    from chosho_xlsx.portal.models import Policy

    a, b, planning = (client_for(people[k]) for k in ("a", "b", "planning"))
    first = upload(a, good_workbook(tmp_path / "1"))
    second = upload(a, lowered_target_workbook(tmp_path / "2"))
    policy = Policy.objects.get()
    history = text(a.get(f"/policies/{policy.pk}/"))
    assert f'action="/policies/{policy.pk}/diff/"' in history and "2つの版を比べる" in history

    for client in (a, planning):
        page = client.get(f"/policies/{policy.pk}/diff/", {"old": first, "new": second})
        assert page.status_code == 200
        html = text(page)
        assert "変更 1 件（うち要確認 1 件）" in html
        row = re.search(r'<tr class="warning">(.*?)</tr>', html).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[0] == "要確認" and cells[1] == "目標の変更（理由が必要）"
        assert cells[3:] == ["R7目標", "45件 → 40件（-11.1%）", "指標!L2", "指標!L2"]
    # without a choice: the two newest, the older as 旧
    assert "45件 → 40件" in text(a.get(f"/policies/{policy.pk}/diff/"))
    # the other way round, and a version against itself
    assert "40件 → 45件" in text(a.get(f"/policies/{policy.pk}/diff/", {"old": second, "new": first}))
    assert "変更はありません。" in text(a.get(f"/policies/{policy.pk}/diff/", {"old": first, "new": first}))

    xlsx = a.get(f"/policies/{policy.pk}/diff.xlsx", {"old": first, "new": second})
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].startswith("attachment")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws[4]][:10] == ["1", "要確認", "目標の変更（理由が必要）", ws["D4"].value, "R7目標",
                                             "45件", "40件", "-11.1%", "指標!L2", "指標!L2"]
    assert ws["D4"].value.startswith("指標 1 ")
    assert ws.max_row == 4

    # another department: not found, whatever it asks; a version of another 施策: not found
    assert b.get(f"/policies/{policy.pk}/diff/", {"old": first, "new": second}).status_code == 404
    assert b.get(f"/policies/{policy.pk}/diff.xlsx", {"old": first, "new": second}).status_code == 404
    assert a.get(f"/policies/{policy.pk}/diff/", {"old": first, "new": "999999"}).status_code == 404
    assert a.get(f"/policies/{policy.pk}/diff/", {"old": first}).status_code == 404


def mistyped_workbook(folder):
    """The example with the cells of issue 26 typed wrong (corpus.MISTYPED)."""
    return corpus.mistyped(good_workbook(folder, "デジタル戦略課_施策_v1.xlsx"))


def test_the_page_says_what_the_command_line_says(people, tmp_path):
    """Issue 26: a value that broke the contract is shown as typed, marked unreadable,
    with its code; the errors of either version are said, with a link to its findings."""
    from openpyxl import load_workbook

    from chosho_xlsx.portal.models import Policy

    a = client_for(people["a"])
    first = upload(a, mistyped_workbook(tmp_path / "1"))
    second = upload(a, good_workbook(tmp_path / "2"))
    policy = Policy.objects.get()
    html = text(a.get(f"/policies/{policy.pk}/diff/", {"old": first, "new": second}))
    assert "変更 7 件（うち要確認 7 件）" in html
    assert ("注意: 旧 第1版にはエラーが 7 件あります" in html
            and f'<a href="/uploads/{first}/#findings">第1版の問題の一覧</a>' in html)
    assert "新 第2版にはエラー" not in html
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r'<tr class="warning">(.*?)</tr>', html)]
    shown = [(r[1], r[3], r[4], r[5]) for r in rows]
    unreadable = '<span class="unreadable">「{}」（読めない値）</span> → {} <small class="code">{}</small>'.format
    assert shown == [
        ("値の変更", "事業群番号", unreadable("1群", "1", "E-NOT-INT"), "取組項目!C2"),
        ("値の変更", "目標の向き", unreadable("増える", "増加", "E-ENUM"), "指標!E2"),
        ("単位の変更（比較できません）", "R4実績", unreadable("48.5%", "60所属", "E-UNIT"), "指標!N4"),
        ("事業費の変更", "R4事業費", unreadable("43,948円", "43,948", "E-MONEY"), "事業!O2"),
        ("見直し区分の変更", "見直し区分", unreadable("廃止?", "改善", "E-REVIEW"), "事業!AB2"),
        ("目標の変更（理由が必要）", "R4目標", unreadable("三つ", "3", "E-NOT-NUMBER"), "事業指標!E2"),
        ("単位の変更（比較できません）", "R4実績", unreadable("4件", "4", "E-UNIT"), "事業指標!F2"),
    ]
    ws = load_workbook(io.BytesIO(a.get(f"/policies/{policy.pk}/diff.xlsx",
                                        {"old": first, "new": second}).content)).active
    assert [ws.cell(7, c).value for c in (3, 6, 7, 8)] == ["事業費の変更", "「43,948円」（読めない値）", "43,948", "E-MONEY"]
    # the other way round: NEW has the errors
    back = text(a.get(f"/policies/{policy.pk}/diff/", {"old": second, "new": first}))
    assert "注意: 新 第1版にはエラーが 7 件あります" in back
    assert '43,948 → <span class="unreadable">「43,948円」（読めない値）</span> <small class="code">E-MONEY</small>' in back


def test_findings_a_clerk_can_work_through(people, tmp_path):
    """Issue 26: the version page filters its findings by sheet and severity, puts the
    message and hint first with the code small beside them, gives the list as .xlsx —
    the bytes `validate --format xlsx` writes — and the SHA-256 only in a details line."""
    from chosho_xlsx.portal.models import Policy

    from support.commands import cli as run

    a = client_for(people["a"])
    path = mistyped_workbook(tmp_path / "1")
    first = upload(a, path)
    html = text(a.get(f"/uploads/{first}/"))
    assert "見つかった問題（8件）" in html
    assert re.findall(r'<select name="sheet">(.*?)</select>', html) == [
        '<option value="">すべて</option><option value="取組項目">取組項目</option><option value="指標">指標</option>'
        '<option value="事業">事業</option><option value="事業指標">事業指標</option>']
    first_row = re.search(r'<table class="findings">.*?<tbody> (<tr.*?</tr>)', html).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", first_row) == [
        '<b class="kind">エラー</b> 「1群」は番号（整数）ではありません。 <small class="code">E-NOT-INT</small>',
        "1、2、3 のように整数で入力してください。",
        '<a href="#cell-取組項目-C2">取組項目!C2</a><br><small>事業群番号</small>', "1群",  # 場所 links to its cell
        '<input type="text" name="fix:取組項目!C2" aria-label="取組項目!C2 の正しい値" maxlength="200">']
    upload_row = Policy.objects.get().uploads.get()
    assert html.count(upload_row.sha256) == 1 and re.search(
        rf"<details class=\"meta\"><summary>ファイルの詳細</summary>[^<]*SHA-256 <span class=\"hash\">{upload_row.sha256}", html)
    assert upload_row.sha256[:12] not in text(a.get(f"/policies/{upload_row.policy_id}/"))

    def places(**filters):
        page = text(a.get(f"/uploads/{first}/", filters))
        table = re.search(r'<table class="findings">(.*?)</table>', page).group(1)
        return re.findall(r'<td class="place">(?:<a href="#cell-[^"]*">)?([^<]*)', table)

    assert places(sheet="指標") == ["指標!E2", "指標!N4"]
    assert places(severity="warning") == ["事業!AB12"]
    assert places(sheet="事業", severity="error") == ["事業!O2", "事業!AB2"]
    assert len(places(sheet="no such sheet", severity="x")) == 8  # nothing hidden by a bad choice
    filtered = text(a.get(f"/uploads/{first}/", {"sheet": "指標"}))
    assert "2件を表示しています" in filtered and '<option value="指標" selected>' in filtered

    listed = a.get(f"/uploads/{first}/findings.xlsx")
    assert listed.status_code == 200 and listed["Content-Disposition"].startswith("attachment")
    out = tmp_path / "cli.xlsx"
    assert run("validate", str(path), "--format", "xlsx", "-o", str(out)).returncode == 1
    assert listed.content == out.read_bytes()  # the same list as the command line's
    assert f'href="/uploads/{first}/findings.xlsx">問題の一覧をダウンロード（.xlsx）</a>' in html


def test_a_version_that_cannot_be_read_is_refused_with_a_message(people, tmp_path):
    from chosho_xlsx.portal.models import Policy

    a = client_for(people["a"])
    good = upload(a, good_workbook(tmp_path / "1"))
    broken = tmp_path / "2" / "デジタル戦略課_施策_v2.xlsx"
    broken.parent.mkdir()
    broken.write_bytes(good_workbook(tmp_path / "3").read_bytes()[:4000])
    with open(broken, "rb") as fh:
        a.post("/upload/", {"file": fh, "policy": Policy.objects.get().pk})
    policy = Policy.objects.get()
    bad = policy.uploads.get(version=2).pk
    r = a.get(f"/policies/{policy.pk}/diff/", {"old": good, "new": bad})
    assert r.status_code == 422
    assert "R6 第2版は読み取れないところがあるため比べられません" in text(r)


def test_next_years_template_is_last_years_submission_rolled_over(people, tmp_path):
    from openpyxl import load_workbook

    from chosho_xlsx.cycle.rollover import rollover_bytes, rollover_file
    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.portal.models import Policy
    from chosho_xlsx.portal.services import files, registry

    a, b, planning = (client_for(people[k]) for k in ("a", "b", "planning"))
    upload(a, lowered_target_workbook(tmp_path / "v1"))
    upload(a, wrong_cell_workbook(tmp_path / "v2")[0])
    r6 = Policy.objects.get()
    r7 = registry.register(people["planning"], 2025, 2021, 2025, r6.name, r6.section)
    # before R6 is submitted: its newest version without errors (version 1, 40件; version 2 has an error)
    page = text(a.get(f"/policies/{r7.pk}/"))
    assert f'<a href="/policies/{r7.pk}/rollover.xlsx">昨年度の提出から作成（繰越）</a>（R6 第1版から）' in page
    assert f'<a href="/policies/{r7.pk}/template.xlsx">空の入力ブックをダウンロード</a>' in page
    made = a.get(f"/policies/{r7.pk}/rollover.xlsx")
    assert made.status_code == 200 and made["Content-Disposition"].startswith("attachment")
    assert load_workbook(io.BytesIO(made.content))["指標"]["L2"].value == "40件"
    # submitted (version 3): that version, byte for byte what rollover.py makes of it
    assert a.post(f"/uploads/{upload(a, good_workbook(tmp_path / 'v3'))}/submit",
                  {"comment": "確認しました"}).status_code == 302
    r6.refresh_from_db()
    assert r6.state == Policy.SUBMITTED and r6.submitted.version == 3
    expected = rollover_bytes(rollover_file(files.blob(r6.submitted), load_ruleset(), to=2025,
                                           name=r6.submitted.filename))
    for client in (a, planning):
        got = client.get(f"/policies/{r7.pk}/rollover.xlsx")
        assert got.status_code == 200 and got.content == expected
    book = load_workbook(io.BytesIO(expected))
    kv = {r[0]: r[1] for r in book["調書"].iter_rows(min_row=2, values_only=True)}
    assert (kv["実施年度"], kv["計画期間"]) == ("R7", "R3-R7")
    assert book["指標"]["L2"].value == "45件"
    # the list of わたしの施策 offers it for R7, not for R6 (no R5 in the portal); the blank template stays
    mine = a.get("/mine/").content.decode()
    assert mine.count("昨年度の提出から作成（繰越）") == 1
    assert f"/policies/{r7.pk}/rollover.xlsx" in mine and f"/policies/{r7.pk}/template.xlsx" in mine
    assert a.get(f"/policies/{r6.pk}/rollover.xlsx").status_code == 404
    assert b.get(f"/policies/{r7.pk}/rollover.xlsx").status_code == 404
    blank = a.get(f"/policies/{r7.pk}/template.xlsx")
    assert blank.status_code == 200
