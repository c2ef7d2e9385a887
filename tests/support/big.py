"""Large and oversized department workbooks, built by code (issue 14.7, 14.8): real
workbooks written through the input template, only bigger than any 調書."""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: tests/ on the path, as pytest puts it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import corpus  # noqa: E402


def many_indicators(folder: Path, count: int, name: str = "big.xlsx", plain: bool = False) -> Path:
    """The example with `count` indicators in 指標 (the first one, renumbered): valid,
    so what it costs to validate and build is the cost of its size. Written through
    the input template, or with `plain` by XlsxWriter without styles (200,000 rows:
    9.6 MB, 107 MB unpacked, inside the zip limits; the template's styled cells would
    unpack past them)."""
    rows = corpus.example_rows()
    first = rows["指標"][0]
    rows["指標"] = [dict(first, 指標番号=number) for number in range(1, count + 1)]
    if plain:
        folder.mkdir(parents=True, exist_ok=True)
        return corpus.xlsxwriter_book(folder / name, rows, {})
    return corpus.write(folder, rows, name)


MARK = "@@long-text@@"


def long_text(folder: Path, sheet: str, header: str, text: str, index: int = 0,
              name: str = "long.xlsx") -> Path:
    """The example with `text` in one cell (record `index` of `sheet`, column `header`),
    put into the XML after writing: XlsxWriter and openpyxl both cut a text at 32,767
    characters, but a workbook from elsewhere may hold more."""
    import zipfile
    from xml.sax.saxutils import escape

    rows = corpus.example_rows()
    rows[sheet][index][header] = MARK
    path = corpus.write(folder, rows, name)
    source = zipfile.ZipFile(path)
    parts = {n: source.read(n) for n in source.namelist()}
    source.close()
    (holder,) = [n for n, data in parts.items() if MARK.encode() in data]
    parts[holder] = parts[holder].replace(MARK.encode(), escape(text).encode("utf-8"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for n, data in parts.items():
            target.writestr(n, data)
    return path


if __name__ == "__main__":  # python tests/support/big.py OUT.xlsx COUNT [plain]: files for bench/README
    out = Path(sys.argv[1])
    print(many_indicators(out.parent, int(sys.argv[2]), out.name, plain=sys.argv[3:] == ["plain"]))
