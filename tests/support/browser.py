"""What the browser tests share: system Chromium driven by Playwright, and screenshots
in output/portal-screenshots/ (CHOSHO_SCREENSHOTS to change it)."""

from __future__ import annotations

import os
from pathlib import Path

from support import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--lang=ja"]
SHOTS = Path(os.environ.get("CHOSHO_SCREENSHOTS", ROOT / "output" / "portal-screenshots"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
