"""Issue 21 in the portal: only workbooks come back as workbooks (item 3), names are
made safe (item 6), refused evidence is capped per 課 (item 8), and a forged stored
input is a 422, not a minute in a web thread (item 2)."""

from __future__ import annotations

import zipfile

import pytest

from support.portal import DIGITAL, OTHER, client_for, good_workbook

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]

PAGE = b"<html><script>new ActiveXObject('WScript.Shell').Run('calc')</script></html>"


def _policy(name="ICTを活用した地域活性化と行政運営の効率化", year=2024):
    from chosho_xlsx.portal.models import Policy

    return Policy.objects.create(fiscal_year=year, name=name, key=name, section=DIGITAL,
                                 plan_start=2021, plan_end=2025)


def test_a_refused_upload_comes_back_only_as_refused_bin(people):
    from chosho_xlsx.portal.services import files

    policy = _policy()
    planning = client_for(people["planning"])
    for sent, stem in (("invoice.hta", "invoice"), ("setup.exe", "setup"), ("予算.xlsx.html", "予算.xlsx")):
        up, created = files.receive(people["a"], PAGE + sent.encode(), sent, hint=policy)
        assert created and not up.readable and up.findings[0]["code"] == "E-FILE-NOT-XLSX"
        got = planning.get(f"/uploads/{up.pk}/file")
        assert got.status_code == 200
        assert got["Content-Type"] == "application/octet-stream"
        assert got["Content-Disposition"] == f"attachment; filename*=utf-8''{_quoted(stem)}_refused.bin" or \
            got["Content-Disposition"] == f'attachment; filename="{stem}_refused.bin"'
        assert got["X-Content-Type-Options"] == "nosniff"


def test_the_api_sends_a_refused_upload_only_as_refused_bin(people):
    """The attack as reported: curl -F "file=@page.html;filename=invoice.hta" → 201, and the
    planning division's download of it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from support.portal import api, token_for

    policy = _policy()
    sent = api(None, "post", "/api/v1/submissions", token_for(people["a"]),
               data={"policy_id": policy.pk, "file": SimpleUploadedFile("invoice.hta", PAGE)})
    assert sent.status_code == 201, sent.content
    pk = sent.json()["id"]
    got = api(None, "get", f"/api/v1/submissions/{pk}/file", token_for(people["planning"]))
    assert got.status_code == 200 and got["Content-Type"] == "application/octet-stream"
    assert got["Content-Disposition"] == 'attachment; filename="invoice_refused.bin"'


def _quoted(text):
    from urllib.parse import quote

    return quote(text)


def test_a_workbook_comes_back_as_a_workbook_and_its_annotated_copy_without_macros(people, tmp_path):
    from chosho_xlsx.portal.services import files

    from support.forged import xlsm

    a = client_for(people["a"])
    path = xlsm(tmp_path, "予算.xlsm")
    up, _ = files.receive(people["a"], path.read_bytes(), path.name)
    assert up.readable and "W-MACROS" in {f["code"] for f in up.findings}
    assert any(f["message"].startswith("マクロは使われません") for f in up.findings)
    original = a.get(f"/uploads/{up.pk}/file")
    assert original["Content-Type"] == "application/vnd.ms-excel.sheet.macroEnabled.12"
    copy = a.get(f"/uploads/{up.pk}/annotated")
    assert copy["Content-Disposition"].endswith(".xlsx") and "_%E7%A2%BA%E8%AA%8D.xlsx" in copy["Content-Disposition"]
    target = tmp_path / "copy.xlsx"
    target.write_bytes(b"".join(copy.streaming_content))
    with zipfile.ZipFile(target) as z:
        assert not [n for n in z.namelist() if "vba" in n.lower()]


def test_download_names_lose_control_and_format_characters(people, tmp_path):
    from chosho_xlsx.portal.services import files

    a = client_for(people["a"])
    good = good_workbook(tmp_path)
    up, _ = files.receive(people["a"], good.read_bytes(), "a\u202excod.xlsx")
    got = a.get(f"/uploads/{up.pk}/file")
    disposition = got["Content-Disposition"]
    assert "%E2%80%AE" not in disposition and "\u202e" not in disposition
    policy = up.policy
    policy.name = "施策\u202e\r\nX-Evil: 1"
    policy.save()
    from chosho_xlsx.portal.downloads import attachment

    sent = attachment(b"x", f"{policy.name}_変更一覧.xlsx")
    assert "%E2%80%AE" not in sent["Content-Disposition"] and "%0D" not in sent["Content-Disposition"]
    assert "%0A" not in sent["Content-Disposition"]


def test_refused_evidence_is_capped_per_section_and_the_record_stays(people):
    from django.test import override_settings

    from chosho_xlsx.portal.models import Event, Upload
    from chosho_xlsx.portal.services import builds, files

    policy = _policy()
    with override_settings(CHOSHO_REFUSED_KEEP=3):
        ups = [files.receive(people["a"], PAGE + f"{i}".encode(), f"x{i}.html", hint=policy)[0] for i in range(5)]
    kept = [builds.blob(u).exists() for u in ups]
    assert kept == [False, False, True, True, True]
    assert Upload.objects.filter(readable=False).count() == 5
    assert Event.objects.filter(action=Event.UPLOAD).count() == 5
    a = client_for(people["a"])
    gone = a.get(f"/uploads/{ups[0].pk}/file")
    assert gone.status_code == 404 and "保存数の上限を超えたため削除しました" in gone.content.decode()


def test_pruning_one_sections_refused_files_keeps_bytes_another_section_still_shows(people):
    """The same bytes are stored once whoever sends them: 土木総務課's refused upload of the
    bytes デジタル戦略課 sent first keeps its file when デジタル戦略課's copy falls past its quota."""
    from django.test import override_settings

    from chosho_xlsx.portal.models import Policy
    from chosho_xlsx.portal.services import builds, files

    mine = _policy()
    theirs = Policy.objects.create(fiscal_year=2024, name="安全で安心な道路網の整備", key="安全で安心な道路網の整備",
                                   section=OTHER, plan_start=2021, plan_end=2025)
    with override_settings(CHOSHO_REFUSED_KEEP=2):
        first = files.receive(people["a"], PAGE + b"shared", "x.html", hint=mine)[0]
        other = files.receive(people["b"], PAGE + b"shared", "y.html", hint=theirs)[0]
        later = [files.receive(people["a"], PAGE + f"{i}".encode(), f"x{i}.html", hint=mine)[0] for i in range(3)]
    assert (first.sha256, first.suffix) == (other.sha256, other.suffix)
    assert builds.blob(other).exists()  # still within 土木総務課's newest 2
    assert client_for(people["b"]).get(f"/uploads/{other.pk}/file").status_code == 200
    assert [builds.blob(u).exists() for u in later] == [False, True, True]  # デジタル戦略課's quota still holds


def test_a_forged_stored_input_is_a_422_in_the_portal(people, tmp_path):
    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.pipeline import check_file
    from chosho_xlsx.portal.services import files, registry
    from chosho_xlsx.writers.embed import packed_properties, read_embedded
    from chosho_xlsx.writers.layout import write_chosho

    from support.forged import input_carrying

    src = good_workbook(tmp_path)
    chosho = tmp_path / "c.xlsx"
    write_chosho(check_file(src, load_ruleset()).report, chosho, load_ruleset())
    rows = read_embedded(chosho)
    rows["事業"][0]["事業内容"] = "HIDDEN CONTENT not validated"
    forged = input_carrying(src, chosho, packed_properties(rows), tmp_path / "forged.xlsx")
    up, _ = files.receive(people["a"], forged.read_bytes(), forged.name)
    assert up.valid  # validate sees the visible input only
    r7 = registry.register(people["planning"], 2025, 2021, 2025, up.policy.name, up.policy.section)
    got = client_for(people["a"]).get(f"/policies/{r7.pk}/rollover.xlsx")
    assert got.status_code == 422
    assert b"HIDDEN" not in got.content


def test_bytes_refused_before_they_are_a_version_are_never_stored(people, tmp_path):
    """Item 8: otherwise anyone could fill the disk with refusals that no quota counts."""
    import hashlib

    import pytest

    from chosho_xlsx.portal.errors import PortalError
    from chosho_xlsx.portal.services import data, files

    _policy("施策その1")
    _policy("施策その2")  # two open 施策 and nothing in the file says which: refused, no version
    junk = PAGE + b"never stored"
    with pytest.raises(PortalError):
        files.receive(people["a"], junk, "junk.html")
    sha = hashlib.sha256(junk).hexdigest()
    assert not list((data().root / "files").glob(f"*/{sha}*"))
    assert not [p for p in (data().root / "incoming").iterdir()]
    from support import corpus

    other = corpus.mutated(tmp_path, "事業", 0, "事務事業名", "保存されない事業")  # デジタル戦略課's, from 土木総務課
    with pytest.raises(PortalError):
        files.receive(people["b"], other.read_bytes(), other.name)
    assert not list((data().root / "files").glob(f"*/{hashlib.sha256(other.read_bytes()).hexdigest()}*"))


@pytest.mark.parametrize("path", ["/upload/", "/deadline", "/policies/list/import", "/jobs/new", "/login/"])
def test_a_multipart_body_without_its_boundary_is_a_400_page_in_japanese(people, path):
    """Django cannot take the body apart (the CSRF check reads it before any view): a page
    saying what went wrong, in the portal's language, never Django's English one or a 500."""
    body = b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--'
    r = client_for(people["planning"]).generic("POST", path, body, content_type="multipart/form-data")
    assert r.status_code == 400
    page = r.content.decode()
    assert "送られた内容を読めませんでした" in page and "boundary" in page
    assert "Bad Request" not in page
