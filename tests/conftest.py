"""Imported before any test module: chosho_xlsx must be imported before openpyxl is (it
keeps openpyxl on defusedxml although lxml is installed; see chosho_xlsx/__init__.py).

The fixtures several test modules share. Each is module-scoped (built once per module
that asks for it, as when every module defined its own) and imports what it needs
itself, so collecting a test that does not ask costs nothing."""

import pytest

import chosho_xlsx  # noqa: F401

# A test that needs one of these is slow whatever else it does (pyproject.toml's markers).
NEEDS_A_PROGRAM = ("libreoffice", "postgres", "browser")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(item.get_closest_marker(name) for name in NEEDS_A_PROGRAM):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def browser():
    """Headless system Chromium through Playwright, for the module's tests (a module that
    asks calls support.browser.require_browser first, so both are there)."""
    from playwright.sync_api import sync_playwright

    from support.browser import ARGS, CHROMIUM

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def checked():
    """The bundled example (the seed 調書 transcribed) read and checked."""
    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.pipeline import check_book, example_book

    return check_book(example_book(), load_ruleset())


@pytest.fixture(scope="module")
def report(checked):
    """The example's report: it passes every check."""
    assert checked.ok, [f.code for f in checked.errors]
    return checked.report


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example as the workbook a department fills in (written through the template)."""
    from support import corpus

    return corpus.example_workbook(tmp_path_factory.mktemp("example"))
