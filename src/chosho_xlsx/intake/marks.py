"""Cells a tool marked for a person to confirm, found through their comments.

`rollover` pre-fills last year's planned 事業費 where this year's 実績 goes and puts a
comment by ROLLOVER_AUTHOR on each such cell; validate warns (W-PREFILLED) while the
comment is there, so a planned figure is never silently taken as the actual. The clerk
confirms the figure and deletes the comment. calamine does not read comments, so the
sheet's comments part is read here."""

from __future__ import annotations

import posixpath

from chosho_xlsx.common.addresses import parse_ref
from chosho_xlsx.intake.package import Package
from chosho_xlsx.intake.scan import Key, elements

ROLLOVER_AUTHOR = "chosho-xlsx rollover"

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _comments_member(pkg: Package, sheet_member: str) -> str | None:
    folder, base = posixpath.split(sheet_member)
    rels = f"{folder}/_rels/{base}.rels"
    names = pkg.names
    if rels not in names:
        return None
    for attrs in elements(pkg, rels, "Relationship"):
        kind, target = attrs.get("Type", ""), attrs.get("Target", "")
        if not target or not kind.endswith("/comments"):
            continue
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        return member if member in names else None
    return None


def marked_cells(pkg: Package, members: list[tuple[str, str]],
                 author: str = ROLLOVER_AUTHOR) -> dict[Key, str]:
    """(sheet, 1-based row, 0-based column) → comment text, for every comment by `author`
    in the sheets `members` names ((sheet name, zip member), scan.scan_open). Call
    after safety.check_workbook (no DTD, sane sizes)."""
    out: dict[Key, str] = {}
    for sheet, member in members:
        part = _comments_member(pkg, member)
        if part is None:
            continue
        # Only a sheet with comments gets here: ElementTree (~5 ms to import) is not
        # loaded for the others. defusedxml: no DTD, no entity (the part is the file's).
        # lazy: ElementTree (~5 ms) only for a sheet with comments
        from defusedxml import ElementTree

        root = ElementTree.fromstring(pkg.read(part))
        authors = [a.text or "" for a in root.iter(f"{_NS}author")]
        for c in root.iter(f"{_NS}comment"):
            i = int(c.get("authorId", "-1"))
            at = parse_ref(c.get("ref", ""))
            if at and 0 <= i < len(authors) and authors[i] == author:
                text = "".join(t.text or "" for t in c.iter(f"{_NS}t"))
                out[(sheet, *at)] = text
    return out
