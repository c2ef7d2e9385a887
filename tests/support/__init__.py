"""What the tests share and nothing in src/ needs: the corpus and hostile files built by
code, the CLI run as a user runs it, recalculation and PDF text for checking what we wrote,
skip marks for missing office tools, the portal's fixtures. tests/ is on sys.path (pytest's
`pythonpath`), so a test says `from support import corpus`."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
