"""Skip marks for tests that need office programs this machine may lack, with the
command that installs them as the reason."""

from __future__ import annotations

import pytest

from chosho_xlsx.render import libreoffice


def office_mark(tools: tuple[str, ...]) -> pytest.MarkDecorator:
    """Skip unless soffice and the poppler-utils `tools` are installed."""
    missing = libreoffice.missing_tools(tools)
    return pytest.mark.skipif(
        bool(missing),
        reason=f"LibreOffice / poppler-utils not installed ({', '.join(missing)}): "
        f"{libreoffice.INSTALL_COMMAND}",
    )


# printing to PDF and reading its text and pages back
needs_libreoffice = office_mark(("pdftotext", "pdfinfo"))
