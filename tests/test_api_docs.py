"""docs/api.md and the code agree: its list of error codes is exactly the codes the API
can answer with, at the same statuses, and its list of operations is exactly the
schema's."""

from __future__ import annotations

import re
from pathlib import Path

pytest_plugins = ["support.portal"]  # its fixtures: django_portal …

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
PORTAL = Path(__file__).resolve().parents[1] / "src" / "chosho_xlsx" / "portal"


def section(name: str) -> list[list[str]]:
    """The rows of the table between <!-- NAME:start … --> and <!-- NAME:end -->."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"<!-- {name}:start", 1)[1].split(f"<!-- {name}:end", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in body.splitlines()[1:] if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]  # past the head and its rule


def code_statuses() -> dict[str, int]:
    """Every code the API answers with, and its status: the API's own, each kind of
    PortalError, and any code a service gives a refusal where it raises it."""
    from chosho_xlsx.portal.api.errors import CODE_OF_STATUS
    from chosho_xlsx.portal.errors import PortalError, status_of

    codes = {code: status for status, code in CODE_OF_STATUS.items()}
    kinds = [PortalError]
    while kinds:
        kind = kinds.pop()
        codes[kind.code] = status_of(kind(""))
        kinds.extend(kind.__subclasses__())
    from chosho_xlsx.portal import errors

    for path in PORTAL.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'\bcode="([a-z-]+)"', text):
            kind = re.findall(r"raise (\w+)\(", text[:m.start()])[-1]  # the refusal it is given to
            codes[m[1]] = status_of(getattr(errors, kind)(""))
    return codes


def test_the_error_codes_in_the_docs_are_those_of_the_code(django_portal):
    documented = {row[0].strip("`"): int(row[1]) for row in section("error-codes")}
    assert documented == code_statuses()


def test_the_operations_in_the_docs_are_those_of_the_schema(django_portal):
    from chosho_xlsx.portal.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    operations = {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}
    documented = set()
    for row in section("operations"):
        method, path = row[0].strip("`").split()[:2]
        documented.add(method + " " + re.sub(r"[\[(`].*$", "", path))
    assert documented == operations
