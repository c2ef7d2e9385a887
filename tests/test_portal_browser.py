"""The whole story of the portal in a real browser (headless Chromium driven by Playwright)
against `chosho-xlsx serve` started as a subprocess on 127.0.0.1: a department uploads a
workbook with a wrong cell and sees it named and marked, downloads the annotated copy,
uploads the fixed one and submits; a second department cannot see the first's work; the
planning division sees it 提出済, returns another, builds, and the ZIP's 調書 is byte for
byte what `chosho-xlsx build` writes from the same file.

A screenshot of every page goes to output/portal-screenshots/ (CHOSHO_SCREENSHOTS to
change it); docs/portal-upload.png and docs/portal-dashboard.png are copies of two."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from support.browser import log_in as browser_log_in
from support.browser import require_browser, shot, upload
from support.commands import chosho_files
from support.portal import (
    DIGITAL,
    OTHER,
    OTHER_POLICY,
    PASSWORD,
    POLICY,
    Server,
    cli,
    good_workbook,
    other_department_workbook,
    wrong_cell_workbook,
)

pytestmark = pytest.mark.browser


require_browser()


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser") / "data"
    cli(data, "users", "add", "kikaku", "--role", "planning")
    cli(data, "users", "add", "digital", "--role", "department", "--dept", DIGITAL)
    cli(data, "users", "add", "doboku", "--role", "department", "--dept", OTHER)
    server = Server(data)
    yield server
    server.stop()



def log_in(browser, portal, name: str):
    return browser_log_in(browser, portal.url + "/", name, PASSWORD, viewport={"width": 1400, "height": 900},
                          accept_downloads=True)



def download(page, link_text: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.click(f"text={link_text}")
    info.value.save_as(str(target))
    return target


def api_get(portal, path: str, token: str) -> int:
    req = urllib.request.Request(portal.url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_whole_story(portal, browser, tmp_path):
    from openpyxl import load_workbook

    # ---- a department: wrong cell, annotated copy, fix, submit ----
    page = log_in(browser, portal, "digital")
    page.goto(portal.url + "/login/")  # already signed in: on to わたしの施策
    assert page.url.endswith("/mine/")
    shot(page, "01-department-home-empty")
    template = download(page, "空の入力ブックをダウンロード", tmp_path / "blank.xlsx")
    assert template.read_bytes()[:2] == b"PK"

    bad, place = wrong_cell_workbook(tmp_path / "in")
    upload(page, bad)
    sheet, cell = place.split("!")
    assert "エラー 1 件・警告 1 件" in page.inner_text(".verdict")
    row = page.locator("table.findings tr", has_text=place)
    assert "事業群番号「9」は事業群シートにありません。" in row.inner_text()
    marked = page.locator(f'table.grid[data-sheet="{sheet}"] td[data-cell="{cell}"]')
    assert marked.get_attribute("class") == "cell-error" and marked.inner_text() == "9"
    assert marked.is_visible()
    assert page.locator("text=この版を提出する").count() == 0
    shot(page, "02-upload-with-error")
    first_version = page.url

    copy = download(page, "印を付けたブックをダウンロード", tmp_path / "annotated.xlsx")
    comment = load_workbook(copy)[sheet][cell].comment
    assert comment is not None and "事業群番号「9」" in comment.text

    good = good_workbook(tmp_path / "in")
    upload(page, good)
    assert "エラーなし・警告 1 件" in page.inner_text(".verdict")
    shot(page, "03-upload-warnings-only")
    page.fill("textarea[name=comment]", "見直し区分「縮小」は事業統合によるもので、事業費の増加と矛盾しません。")
    page.click("button:has-text('この版を提出する')")
    page.wait_for_load_state()
    assert "提出しました" in page.inner_text(".messages")
    assert page.locator(".meta .status").inner_text() == "提出済"
    assert page.locator("text=第1版").count() >= 1 and page.locator("text=第2版").count() >= 1
    shot(page, "04-policy-submitted")
    page.goto(portal.url + "/mine/")
    shot(page, "05-department-home")
    page.context.close()

    # ---- a second department: its own 施策, nothing of the first's ----
    other = log_in(browser, portal, "doboku")
    upload(other, other_department_workbook(tmp_path / "other"))
    other.fill("textarea[name=comment]", "確認しました")
    other.click("button:has-text('この版を提出する')")
    other.wait_for_load_state()
    response = other.goto(first_version)
    assert response.status == 404 and "ページが見つかりません" in other.inner_text("main")
    assert POLICY not in other.goto(portal.url + "/mine/").text()
    token_b = cli(portal.data, "users", "token", "doboku").stdout.strip()
    first_id = first_version.rstrip("/").rsplit("/", 1)[1]
    assert api_get(portal, f"/api/v1/submissions/{first_id}", token_b) == 404
    assert api_get(portal, "/api/v1/dashboard", token_b) == 403
    assert api_get(portal, "/api/v1/dashboard", "wrong") == 401

    # ---- the planning division: status, return, build ----
    planning = log_in(browser, portal, "kikaku")
    assert planning.url.endswith("/dashboard/")
    counts = {b.locator("span").inner_text(): int(b.locator("b").inner_text())
              for b in planning.locator(".count-box").all()}
    assert counts == {"全施策": 2, "未提出": 0, "エラーあり": 0, "警告あり": 0, "差し戻し": 0, "提出済": 2, "確定": 0}
    assert "提出済" in planning.locator("tr", has_text=POLICY).inner_text()
    shot(planning, "06-dashboard")
    planning.click(f"text={OTHER_POLICY}")
    planning.fill("textarea[name=comment]", "成果指標の出典を追記してください。")
    planning.click("button:has-text('差し戻す')")
    planning.wait_for_load_state()
    assert "差し戻されました" in planning.inner_text("main")
    shot(planning, "07-policy-returned")
    planning.goto(portal.url + "/dashboard/?status=提出済")
    assert planning.locator("table.policies tbody tr").count() == 1
    with planning.expect_download() as info:
        planning.click("button:has-text('提出済の調書をまとめて作成')")
    zipped = tmp_path / "built.zip"
    info.value.save_as(str(zipped))
    shot(planning, "08-dashboard-after-build")
    planning.goto(portal.url + "/audit/")
    shot(planning, "09-audit-log")

    out = tmp_path / "cli-build"
    subprocess.run([sys.executable, "-m", "chosho_xlsx.cli", "build", str(good), "-o", str(out)],
                   check=True, capture_output=True)
    [built] = chosho_files(out)
    with zipfile.ZipFile(zipped) as zf:
        assert sorted(zf.namelist()) == sorted([built.name, "一覧.xlsx", "評価結果概要.xlsx"])
        assert zf.read(built.name) == built.read_bytes()

    # ---- the returned department sees why ----
    other.goto(portal.url + "/mine/")
    assert "差し戻し: 成果指標の出典を追記してください。" in other.inner_text("main")
    shot(other, "10-department-returned")
    token_a = cli(portal.data, "users", "token", "digital").stdout.strip()
    req = urllib.request.Request(portal.url + "/api/v1/submissions", headers={"Authorization": f"Bearer {token_a}"})
    listed = json.load(urllib.request.urlopen(req, timeout=30))["submissions"]
    assert [(s["version"], s["valid"]) for s in listed] == [(1, False), (2, True)]
