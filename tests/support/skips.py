"""Skip marks for tests that need office programs this machine may lack, with the
command that installs them as the reason. Each also marks the test `libreoffice` (an
office program: LibreOffice or Gnumeric), so `-m "not slow"` leaves it out
(conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from chosho_xlsx.render import libreoffice


def missing_tools(tools: tuple[str, ...] = ("pdftoppm", "pdftotext", "pdfinfo")) -> list[str]:
    """Which of soffice and the named poppler tools this machine lacks ([] when all are
    there): the tests that need them skip with this list as their reason."""
    missing = []
    try:
        libreoffice.find_soffice()
    except libreoffice.LibreOfficeMissing:
        missing.append("soffice")
    return missing + [t for t in tools if shutil.which(t) is None]


def office_test(skip: pytest.MarkDecorator) -> Callable:
    """A decorator that marks a test `libreoffice` and gives it `skip` (a skipif)."""

    def mark(test: Callable) -> Callable:
        return pytest.mark.libreoffice(skip(test))

    return mark


def office_skip(tools: tuple[str, ...]) -> pytest.MarkDecorator:
    """Skip unless soffice and the poppler-utils `tools` are installed."""
    missing = missing_tools(tools)
    return pytest.mark.skipif(
        bool(missing),
        reason=f"LibreOffice / poppler-utils not installed ({', '.join(missing)}): "
        f"{libreoffice.INSTALL_COMMAND}",
    )


def office_mark(tools: tuple[str, ...]) -> Callable:
    """office_skip(tools), and the test marked `libreoffice`."""
    return office_test(office_skip(tools))


# printing to PDF and reading its text and pages back
needs_libreoffice = office_mark(("pdftotext", "pdfinfo"))
# the same for every test of a module: pytestmark = libreoffice_module
libreoffice_module = [pytest.mark.libreoffice, office_skip(("pdftotext", "pdfinfo"))]
