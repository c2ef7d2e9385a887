"""The yearly cycle in the portal (issue 12「In the portal」): a 施策's history compares
two versions (diff.py) on a page and as the .xlsx change list, and a department's
template download offers last year's submission rolled over (rollover.py)."""

from __future__ import annotations

import io
import re

from support import corpus
from support.portal import client_for, good_workbook, wrong_cell_workbook

pytest_plugins = ["support.portal"]  # its fixtures: db, people …


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def upload(client, path) -> int:
    with open(path, "rb") as fh:
        r = client.post("/upload/", {"file": fh})
    assert r.status_code == 302, text(r)
    return int(r["Location"].strip("/").split("/")[-1])


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
    from chosho_xlsx.model.settings import load_settings
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
    expected = rollover_bytes(rollover_file(files.blob(r6.submitted), load_settings(), to=2025,
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
