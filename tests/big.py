"""Large and oversized department workbooks, built by code (issue 14.7, 14.8): real
workbooks written through the input template, only bigger than any 調書."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


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


def long_text(folder: Path, sheet: str, header: str, text: str, index: int = 0,
              name: str = "long.xlsx") -> Path:
    """The example with `text` in one cell (record `index` of `sheet`, column `header`)."""
    rows = corpus.example_rows()
    rows[sheet][index][header] = text
    return corpus.write(folder, rows, name)


if __name__ == "__main__":  # python tests/big.py OUT.xlsx COUNT [plain]: files for bench/README
    out = Path(sys.argv[1])
    print(many_indicators(out.parent, int(sys.argv[2]), out.name, plain=sys.argv[3:] == ["plain"]))
