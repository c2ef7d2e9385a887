"""The words of the 調書 that code decides on, each written once (docs/rules.md).

StrEnum members are the very strings the form prints (「達成」 == Status.ACHIEVED), so a
value read from a workbook or from schemas/rules.yaml compares equal to them, and
str(), format() and json.dumps give the word itself. (yaml.safe_dump would refuse a
member: nothing here is written back to YAML.)"""

from __future__ import annotations

from enum import StrEnum

# What the form prints where there is no value (U+2015 HORIZONTAL BAR, as the seed).
DASH = "―"


class Status(StrEnum):
    """進捗状況 of a 事業群 indicator, in the form's order (docs/rules.md)."""

    ACHIEVED = "達成"  # the latest actual reaches the final target
    ON_TRACK = "順調"  # latest 達成率 ≥ on_track_from
    SLIGHTLY_BEHIND = "やや遅れ"  # latest 達成率 ≥ slightly_behind_from
    BEHIND = "遅れ"
    NONE = DASH  # no actual in any year yet


class Direction(StrEnum):
    """目標の向き of an indicator: which way is better."""

    UP = "増加"
    DOWN = "減少"


class Review(StrEnum):
    """見直し区分: Nagasaki's published set, the default of schemas/rules.yaml
    (review.allowed), which the planning division may change; 「―」 when nothing was
    reviewed. The engine's 「R6新規」 (review.new_label) is not one: it carries the year."""

    EXPAND = "拡充"
    IMPROVE = "改善"
    MERGE = "統合"
    SHRINK = "縮小"
    ABOLISH = "廃止"
    NONE = DASH


# Alone in a number or 進捗状況 cell these mean "no value". 「ー」 (katakana long vowel)
# is text, not a dash; its half-width form 「ｰ」 is what a half-width keyboard gives for
# a dash, so it is one when typed as it is (NFKC would turn it into 「ー」: the number
# parser looks before folding, the 進捗状況 check only after).
NO_VALUE = frozenset({DASH, "-", "－", "—", "–", "‐", "−", "ｰ"})

# The dashes a 見直し区分 cell takes for 「―」: fewer than NO_VALUE, and not folded. This
# column has always refused 「‐」, 「−」 and 「ｰ」 (E-REVIEW); accepting them would change
# what validate reports, which restructuring must not, so the difference is kept and
# named here rather than decided in passing.
REVIEW_DASHES = frozenset({"-", "－", "—", "–"})
