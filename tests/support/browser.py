"""What the browser tests share: system Chromium driven by Playwright (the `browser`
fixture is in conftest.py), the skip when either is missing, an upload through the page,
and screenshots in output/portal-screenshots/ (CHOSHO_SCREENSHOTS to change it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--lang=ja"]
SHOTS = Path(os.environ.get("CHOSHO_SCREENSHOTS", ROOT / "output" / "portal-screenshots"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def require_browser() -> None:
    """Called at the top of a browser test module: skip it whole without Playwright or
    without Chromium."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium", allow_module_level=True)


def log_in(browser, url: str, name: str, password: str, **context):
    """A new browser context (Playwright's options: viewport, downloads …) with `name`
    logged in through the login form; its page, on whatever the login led to."""
    page = browser.new_context(locale="ja-JP", **context).new_page()
    page.goto(url)
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button:has-text('ログイン')")
    page.wait_for_load_state()
    return page


def upload(page, path: Path) -> None:
    """The upload form of the page a department is on, sent, and the answer loaded."""
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('アップロードして確認')")
    page.wait_for_load_state()
