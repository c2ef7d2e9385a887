"""chosho-xlsx: 事業群評価調書 from structured department workbooks."""

__version__ = "0.1.0"
