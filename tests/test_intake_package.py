"""The one open Package (intake.package): what python-calamine reads of it is the same
workbook as the file, whether the parts the safety check kept are handed to it as a zip
of stored members (for_calamine's fast path) or the file itself (the slow one)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from chosho_xlsx.intake.package import stored_zip
from chosho_xlsx.intake.safety import open_checked

_names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_names, st.binary(max_size=300), max_size=6))
def test_a_stored_zip_holds_the_parts_given(parts):
    members = [(name, data, zipfile.crc32(data)) for name, data in parts.items()]
    archive = zipfile.ZipFile(io.BytesIO(stored_zip(members)))
    assert archive.testzip() is None
    assert archive.namelist() == list(parts)
    assert {name: archive.read(name) for name in archive.namelist()} == parts
    assert {i.compress_type for i in archive.infolist()} <= {zipfile.ZIP_STORED}


_cell = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.none(),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)).map(lambda d: d.replace(microsecond=0)),
)
_sheet = st.lists(st.lists(_cell, max_size=5), max_size=6)
_sheet_name = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=10)


def _read(source) -> dict[str, list]:
    wb = (CalamineWorkbook.from_filelike(source) if hasattr(source, "read")
          else CalamineWorkbook.from_path(str(source)))
    try:
        return {n: [[(type(v), repr(v)) for v in row]
                    for row in wb.get_sheet_by_name(n).to_python(skip_empty_area=False)]
                for n in wb.sheet_names}
    finally:
        wb.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(_sheet_name, _sheet, min_size=1, max_size=3,
                       dict_class=dict).filter(lambda d: len({k.casefold() for k in d}) == len(d)),
       st.booleans(), st.booleans())
def test_calamine_reads_the_kept_parts_as_it_reads_the_file(tmp_path_factory, sheets, strings, merged):
    path = tmp_path_factory.mktemp("pkg") / "book.xlsx"
    # constant_memory: inline strings instead of the shared strings part
    wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False,
                                    "strings_to_urls": False, "constant_memory": not strings})
    dates = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, datetime):
                    ws.write_datetime(r, c, v, dates)
                elif v is not None:
                    ws.write(r, c, v)
        if merged:
            ws.merge_range(8, 0, 9, 2, "merged")
    wb.close()
    with open_checked(path) as pkg:
        fast = pkg.for_calamine()
        assert isinstance(fast, io.BytesIO)  # the fast path was taken
        assert _read(fast) == _read(path)


def test_a_workbook_with_a_picture_is_read_from_the_file(tmp_path):
    """A picture is not kept by the safety check: calamine reads the file itself."""
    path = tmp_path / "picture.xlsx"
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND"
           b"\xaeB`\x82")
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("指標")
    ws.write(0, 0, "見出し")
    ws.insert_image(2, 2, "dot.png", {"image_data": io.BytesIO(png)})
    wb.close()
    with open_checked(path) as pkg:
        assert pkg.for_calamine() is pkg.file
        assert _read(pkg.for_calamine()) == _read(path)
