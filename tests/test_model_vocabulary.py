"""The vocabulary (model/vocabulary.py) against the files that state it (docs/rules.md,
schemas/rules.yaml, schemas/input.yaml), and the dashes each parser takes for "no value"."""

import re
import unicodedata

import pytest

from chosho_xlsx.common.resources import load_yaml, schema_file
from chosho_xlsx.contract import spec
from chosho_xlsx.contract.crosschecks import _status_text
from chosho_xlsx.contract.parsers import CellError, to_review
from chosho_xlsx.model.quantity import EMPTY, QuantityError, parse_quantity
from chosho_xlsx.model.ruleset import Ruleset, load_ruleset
from chosho_xlsx.model.vocabulary import DASH, NO_VALUE, REVIEW_DASHES, Direction, Review, Status
from chosho_xlsx.writers.summary import STATUS_HEADS, STATUSES

from support import ROOT

DOCS = ROOT / "docs"


def _rules_yaml() -> dict:
    return load_yaml(schema_file("rules.yaml").read_text(encoding="utf-8"))


def test_statuses_are_the_rules_table_in_order():
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    table = text.split("## 進捗状況", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\S+) \|", table, re.M)
    assert rows[1:] == ["達成", "順調", "やや遅れ", "遅れ", "―"]  # rows[0] is the header
    assert [s.value for s in Status] == rows[1:]


def test_summary_counts_every_status_under_its_own_head():
    assert STATUSES == ("達成", "順調", "やや遅れ", "遅れ", "―")
    assert STATUS_HEADS == ("達成", "順調", "やや遅れ", "遅れ", "―（判定なし）")


def test_reviews_are_the_settings_file_and_the_defaults():
    review = _rules_yaml()["review"]
    assert review["allowed"] == [r.value for r in Review]
    assert review["expands"] == [Review.EXPAND]
    assert review["shrinks"] == [Review.SHRINK, Review.ABOLISH]
    assert {p["propose"] for p in review["proposals"]} <= set(Review)
    loaded, default = load_ruleset(), Ruleset()
    assert loaded.allowed_reviews == default.allowed_reviews == tuple(Review)
    assert (loaded.expands, loaded.shrinks) == (default.expands, default.shrinks)
    assert loaded.new_review(2024) == default.new_review(2024) == "R6新規"


def test_directions_are_the_contracts_choice():
    columns = [c for s in spec.raw_contract()["sheets"] for c in s.get("columns") or ()
               if isinstance(c, dict) and c.get("field") == "direction" and c["type"] == "enum"]
    assert len(columns) == 1
    assert columns[0]["values"] == ["増加", "減少"] == [d.value for d in Direction]
    assert columns[0]["default"] == Direction.UP


def test_members_print_as_their_word():
    assert (str(Status.ACHIEVED), f"{Status.NONE}", Review.NONE, Direction.DOWN) == ("達成", "―", "―", "減少")
    assert Status.NONE == Review.NONE == DASH == "\u2015"
    assert {"達成": 1}[Status.ACHIEVED] == 1  # hashes as its word: a dict of words finds it


def _single_characters():
    return (chr(i) for i in range(0x10000) if not 0xD800 <= i < 0xE000 and not chr(i).isspace())


# What NFKC folds onto one of NO_VALUE's dashes, besides NO_VALUE itself.
FOLDED_ONTO = {
    "\u2011": "‐",  # NON-BREAKING HYPHEN
    "\u207b": "−",  # SUPERSCRIPT MINUS
    "\u208b": "−",  # SUBSCRIPT MINUS
    "\ufe31": "—",  # PRESENTATION FORM FOR VERTICAL EM DASH
    "\ufe32": "–",  # PRESENTATION FORM FOR VERTICAL EN DASH
    "\ufe58": "—",  # SMALL EM DASH
    "\ufe63": "-",  # SMALL HYPHEN-MINUS
}


def test_the_dashes_a_number_cell_takes_for_no_value():
    taken = set()
    for ch in _single_characters():
        try:
            if parse_quantity(ch) == EMPTY:
                taken.add(ch)
        except QuantityError:
            pass
    assert taken == NO_VALUE | set(FOLDED_ONTO)
    assert all(unicodedata.normalize("NFKC", k) == v for k, v in FOLDED_ONTO.items())
    with pytest.raises(QuantityError):
        parse_quantity("ー")  # the katakana long vowel is text


def test_the_status_check_folds_first_so_half_width_long_vowel_is_text():
    taken = {ch for ch in _single_characters() if _status_text(ch) == DASH}
    assert taken == (NO_VALUE - {"ｰ"}) | set(FOLDED_ONTO)
    assert _status_text("ｰ") == "ー"


def test_the_dashes_a_review_cell_takes_for_none():
    allowed = Ruleset().allowed_reviews
    taken = set()
    for ch in _single_characters():
        try:
            if to_review(ch, allowed) == DASH:
                taken.add(ch)
        except CellError:
            pass
    assert taken == REVIEW_DASHES | {DASH}
    assert REVIEW_DASHES < NO_VALUE
    with pytest.raises(CellError):
        to_review("‐", allowed)
