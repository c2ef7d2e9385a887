"""The workflow of issue 19 in a real browser (headless Chromium, Playwright) against
`chosho-xlsx serve`, at 1366×768 and at 390 px: every transition taken through the pages
as the department and as planning (提出, 確定 after its confirmation page, 確定解除 with a
reason — an empty one told at its field —, 取り下げ, 差し戻し), and the dead ends of issue
19: a wrong upload then the good bytes again (item 2), a file that is not a workbook
(item 3), a whitespace comment (item 7). At 390 px the navigation is a menu and wide
tables scroll in their own box; the grid's marked cell shows its message on focus and a
finding's 場所 leads to it. Screenshots go where test_portal_browser puts them."""

from __future__ import annotations

import pytest

from support.browser import log_in as browser_log_in
from support.browser import require_browser, shot, upload
from support.hostile import text_file
from support.portal import (
    DIGITAL,
    PASSWORD,
    POLICY,
    Server,
    cli,
    good_workbook,
    wrong_cell_workbook,
)

pytestmark = pytest.mark.browser
require_browser()

WIDTHS = {"wide": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module", params=list(WIDTHS))
def portal(request, tmp_path_factory):
    data = tmp_path_factory.mktemp(f"stories-{request.param}") / "data"
    cli(data, "users", "add", "kikaku", "--role", "planning")
    cli(data, "users", "add", "digital", "--role", "department", "--dept", DIGITAL)
    server = Server(data)
    server.width = request.param
    yield server
    server.stop()



def log_in(browser, portal, name: str):
    return browser_log_in(browser, portal.url + "/login/", name, PASSWORD, viewport=WIDTHS[portal.width])



def go(page, portal, path: str) -> None:
    page.goto(portal.url + path)


def test_every_transition_and_no_dead_end(portal, browser, tmp_path):
    w = portal.width
    dept = log_in(browser, portal, "digital")
    # item 3: not a workbook, for no 施策 yet: the headline is its finding, at the file field
    upload(dept, text_file(tmp_path))
    error = dept.locator("#file-error").inner_text()
    assert error.startswith("Excel ブック (.xlsx) ではありません") and "元のデータを Excel で開き" in error
    assert "施策名・実施年度を読み取れない" not in dept.inner_text("main")
    shot(dept, f"story-{w}-01-not-a-workbook")

    good = good_workbook(tmp_path / "g")
    upload(dept, good)
    first = dept.url
    # item 7: a whitespace comment is told next to the comment, on the same page
    dept.fill("textarea[name=comment]", "   ")
    dept.click("button:has-text('この版を提出する')")
    dept.wait_for_load_state()
    assert "内容を確認したことをコメント欄に書いてから" in dept.locator("#comment-error").inner_text()
    assert dept.locator("text=最初の画面に戻る").count() == 0
    # the grid: a finding's 場所 leads to its cell, which shows its message on focus
    place = dept.locator("table.findings td.place a").first
    place.click()
    cell = dept.locator("table.grid td[data-cell]:focus")
    assert cell.count() == 1 and cell.locator(".tip").is_visible()
    shot(dept, f"story-{w}-02-comment-needed")
    dept.fill("textarea[name=comment]", "警告は確認しました")
    dept.click("button:has-text('この版を提出する')")
    dept.wait_for_load_state()
    assert dept.locator(".meta .status").first.inner_text() == "提出済"

    # planning: 確定 asks first, then 確定解除 needs a reason
    plan = log_in(browser, portal, "kikaku")
    if w == "phone":  # the navigation is a menu that opens
        assert not plan.locator("header nav").is_visible()
        plan.click("label.menu-button")
        assert plan.locator("header nav").is_visible()
        shot(plan, f"story-{w}-03-menu")
        width = plan.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width  # the page never scrolls sideways: its tables do, in their box
    plan.click(f"table.policies a:has-text('{POLICY}')")
    plan.click("text=確定する…")
    assert "を確定しますか" in plan.inner_text("h1")
    shot(plan, f"story-{w}-04-confirm-lock")
    plan.click("button:has-text('確定する')")
    plan.wait_for_load_state()
    assert plan.locator(".meta .status").first.inner_text() == "確定"
    plan.click("text=確定を解除する…")
    plan.fill("textarea[name=comment]", " ")
    plan.click("button:has-text('確定解除する')")
    plan.wait_for_load_state()
    assert plan.locator("#comment-error").inner_text() == "確定解除の理由を書いてください。"
    plan.fill("textarea[name=comment]", "事業費の誤りが見つかりました")
    plan.click("button:has-text('確定解除する')")
    plan.wait_for_load_state()
    assert plan.locator(".meta .status").first.inner_text() == "提出済"

    # the department reads why, withdraws, and one wrong upload does not strand it (item 2)
    go(dept, portal, "/mine/")
    assert "確定解除: 事業費の誤りが見つかりました" in dept.inner_text("main")
    dept.click(f"a:has-text('{POLICY}')")
    dept.click("button:has-text('提出を取り下げる')")
    dept.wait_for_load_state()
    upload(dept, wrong_cell_workbook(tmp_path / "b")[0])
    assert "エラー 1 件" in dept.inner_text(".verdict")
    upload(dept, good)
    assert dept.url == first
    assert "第1版を、この施策の判定に使う版にしました" in dept.inner_text(".messages")
    shot(dept, f"story-{w}-05-same-bytes-current-again")
    dept.fill("textarea[name=comment]", "警告は確認しました")
    dept.click("button:has-text('この版を提出する')")
    dept.wait_for_load_state()
    assert dept.locator(".meta .status").first.inner_text() == "提出済"

    # planning returns it: 差し戻し is its own status on the dashboard, with its reason
    go(plan, portal, "/dashboard/")
    plan.click(f"table.policies a:has-text('{POLICY}')")
    plan.fill("textarea[name=comment]", "成果指標の出典を追記してください")
    plan.click("button:has-text('差し戻す')")
    plan.wait_for_load_state()
    go(plan, portal, "/dashboard/")
    box = plan.locator(".count-box", has_text="差し戻し")
    assert box.locator("b").inner_text() == "1"
    assert "成果指標の出典を追記してください" in plan.locator("table.policies").inner_text()
    shot(plan, f"story-{w}-06-dashboard-returned")
    go(dept, portal, "/mine/")
    assert "差し戻し: 成果指標の出典を追記してください" in dept.inner_text("main")
    dept.context.close()
    plan.context.close()
