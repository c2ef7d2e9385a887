"""The README lists every finding code (generated from data/messages.yaml by
scripts/codes_table.py), and every code is complete and used."""

from __future__ import annotations

import importlib.util
import re

import pytest

from chosho_xlsx.contract.findings import catalogue

from support import ROOT


def _script():
    spec = importlib.util.spec_from_file_location("codes_table", ROOT / "scripts" / "codes_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_table_is_the_generated_one():
    script = _script()
    assert script.current() == script.block(), "run: python3 scripts/codes_table.py --write"


@pytest.mark.parametrize("code", list(catalogue()))
def test_every_code_in_readme_with_its_severity_and_message(code):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    entry = catalogue()[code]
    row = next((line for line in readme.splitlines() if line.startswith(f"| `{code}` |")), None)
    assert row, f"{code} is not in README.md"
    assert f"| {entry['severity']} |" in row
    assert entry["message"]["ja"].replace("|", "\\|") in row


@pytest.mark.parametrize("code", list(catalogue()))
def test_every_code_is_complete_and_used(code):
    entry = catalogue()[code]
    assert re.fullmatch(r"[EW]-[A-Z0-9]+(?:-[A-Z0-9]+)*", code)
    assert entry["severity"] == ("error" if code.startswith("E-") else "warning")
    for part in ("message", "hint"):
        assert entry[part]["ja"].strip() and entry[part]["en"].strip()
        # the same blanks in both languages
        assert set(re.findall(r"\{(\w+)\}", entry[part]["ja"])) == set(re.findall(r"\{(\w+)\}", entry[part]["en"]))
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "chosho_xlsx").rglob("*.py"))
    assert f'"{code}"' in source, f"{code} is never reported"
