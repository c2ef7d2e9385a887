"""chosho-xlsx: 事業群評価調書 from structured department workbooks."""

import os

# pikepdf (publish) depends on lxml, and openpyxl parses with lxml whenever it is
# installed, instead of defusedxml: the second layer behind safety.check_workbook
# (tests/test_intake_safety.py). Keep openpyxl on defusedxml; this must run before it is imported.
os.environ["OPENPYXL_LXML"] = "False"

__version__ = "0.1.0"
