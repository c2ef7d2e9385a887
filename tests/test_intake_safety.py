"""check_workbook refuses every hostile or broken file with its own code and a sentence
in both languages, lets a normal workbook through, and never inflates past its limits."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chosho_xlsx.common.findings import ERROR, UnreadableFile, catalogue
from chosho_xlsx.intake import safety

from support import hostile
from support.hostile import CASES

BLANK = re.compile(r"\{[^{}]*\}")


def refusal(path: Path) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        safety.check_workbook(path)
    return caught.value


def assert_renders(error: UnreadableFile) -> None:
    finding = error.finding
    assert finding.severity == ERROR
    for lang in ("ja", "en"):
        for text in (finding.message(lang), finding.hint(lang)):
            assert text.strip()
            assert not BLANK.search(text), (finding.code, lang, text)


@pytest.mark.parametrize(("build", "code"), CASES, ids=[code for _, code in CASES])
def test_each_hostile_file_is_refused_with_its_code(tmp_path, build, code):
    path = build(tmp_path)
    error = refusal(path)
    assert error.finding.code == code
    assert error.finding.place == str(path)
    assert_renders(error)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.xlsx"
    error = refusal(path)
    assert error.finding.code == "E-FILE-MISSING"
    assert error.finding.place == str(path)
    assert_renders(error)


def test_path_through_a_file_is_missing(tmp_path):
    file = hostile.text_file(tmp_path)
    assert refusal(file / "inner.xlsx").finding.code == "E-FILE-MISSING"


def test_path_given_as_str_is_the_place(tmp_path):
    path = str(hostile.text_file(tmp_path))
    assert refusal(path).finding.place == path


def test_valid_workbook_passes(tmp_path):
    assert safety.check_workbook(hostile.valid_xlsx(tmp_path)) is None


def test_workbook_written_by_openpyxl_passes(tmp_path):
    path = tmp_path / "openpyxl.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["事業名", 1200])
    workbook.save(path)
    assert safety.check_workbook(path) is None


def test_svg_picture_with_doctype_is_not_an_xml_bomb(tmp_path):
    assert safety.check_workbook(hostile.svg_with_doctype(tmp_path)) is None


def test_fifo_is_unreadable_without_blocking(tmp_path):
    path = tmp_path / "pipe.xlsx"
    os.mkfifo(path)
    error = refusal(path)
    assert error.finding.code == "E-FILE-UNREADABLE"
    assert_renders(error)


def test_permission_denied_is_unreadable_with_the_reason(tmp_path, monkeypatch):
    path = hostile.valid_xlsx(tmp_path)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(safety, "open", denied, raising=False)
    error = refusal(path)
    assert error.finding.code == "E-FILE-UNREADABLE"
    assert "Permission denied" in error.finding.message("ja")
    assert_renders(error)


def test_unexpected_error_is_unreadable_not_a_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("surprise")

    for stage in ("_zip_directory", "_check_parts"):  # opening the file, then its parts
        with monkeypatch.context() as patched:
            patched.setattr(safety, stage, broken)
            error = refusal(hostile.valid_xlsx(tmp_path))
        assert error.finding.code == "E-FILE-UNREADABLE"
        assert "surprise" in error.finding.message("en")


# ---- encryption: the OLE directory is parsed, not guessed at -------------------------


def test_encrypted_directory_found_beyond_the_scan_window(tmp_path):
    """The directory sits after a package larger than the fallback scan, with 4096-byte
    sectors: only following the FAT chain finds it."""
    path = hostile.encrypted_xlsx(
        tmp_path, package_size=safety.OLE_SCAN_BYTES + 1024**2, sector_size=4096
    )
    assert "EncryptedPackage".encode("utf-16-le") not in path.read_bytes()[: safety.OLE_SCAN_BYTES]
    assert refusal(path).finding.code == "E-FILE-ENCRYPTED"


def test_encrypted_with_difat_chain(tmp_path):
    """512-byte sectors and a package big enough to need more than 109 FAT sectors."""
    path = hostile.encrypted_xlsx(tmp_path, package_size=8 * 1024**2)
    assert refusal(path).finding.code == "E-FILE-ENCRYPTED"


def test_broken_ole_directory_falls_back_to_scanning(tmp_path):
    path = hostile.encrypted_xlsx(tmp_path)
    data = bytearray(path.read_bytes())
    data[30:32] = b"\x00\x00"  # an impossible sector size
    path.write_bytes(bytes(data))
    assert refusal(path).finding.code == "E-FILE-ENCRYPTED"


def test_truncated_ole_is_still_an_old_excel_file(tmp_path):
    path = tmp_path / "stub.xls"
    path.write_bytes(hostile.OLE_MAGIC + bytes(100))
    assert refusal(path).finding.code == "E-FILE-XLS"


# ---- bombs: refused on what is declared, and never inflated past the limits ---------


@pytest.fixture
def inflated(monkeypatch):
    """Counts every byte the check decompresses."""
    counter = {"bytes": 0}
    real_inflate = safety._inflate

    def counting(raw, method):
        for piece, consumed in real_inflate(raw, method):
            counter["bytes"] += len(piece)
            yield piece, consumed

    monkeypatch.setattr(safety, "_inflate", counting)
    return counter


def test_declared_bomb_is_refused_before_inflating_anything(tmp_path, inflated):
    path = hostile.declared_bomb(tmp_path)
    error = refusal(path)
    assert error.finding.code == "E-FILE-ZIPBOMB"
    assert "10.0 GB" in error.finding.message("en")
    assert inflated["bytes"] == 0


def test_ratio_bomb_is_refused_before_inflating_anything(tmp_path, inflated):
    assert refusal(hostile.ratio_bomb(tmp_path)).finding.code == "E-FILE-ZIPBOMB"
    assert inflated["bytes"] == 0


def test_small_member_may_have_any_ratio(tmp_path):
    path = hostile.ratio_bomb(tmp_path, size=safety.RATIO_FLOOR)
    assert safety.check_workbook(path) is None


def test_lying_member_stops_one_chunk_past_its_declared_size(tmp_path, inflated):
    path = hostile.lying_bomb(tmp_path, real=10 * 1024**2, declared=1000)
    assert refusal(path).finding.code == "E-FILE-ZIPBOMB"
    assert inflated["bytes"] <= 1000 + safety.CHUNK + _valid_total()


def test_streaming_guard_alone_stops_at_the_total_limit(tmp_path, inflated, monkeypatch):
    """With the declared-size check switched off, the real bytes still stop the bomb."""
    monkeypatch.setattr(safety, "_check_declared", lambda members, size, where: None)
    monkeypatch.setattr(safety, "MAX_TOTAL_UNCOMPRESSED", 1024**2)
    assert refusal(hostile.ratio_bomb(tmp_path)).finding.code == "E-FILE-ZIPBOMB"
    assert inflated["bytes"] <= 1024**2 + safety.CHUNK


def test_local_header_outside_the_file_is_corrupt(tmp_path):
    data = bytearray(hostile.valid_xlsx_bytes())
    entry = hostile._central_entry(bytes(data), "xl/workbook.xml")
    data[entry + 42 : entry + 46] = b"\xf0\xff\xff\xff"
    path = tmp_path / "offset.xlsx"
    path.write_bytes(bytes(data))
    assert refusal(path).finding.code == "E-FILE-CORRUPT"


def test_total_size_limit(tmp_path, monkeypatch):
    """A real workbook past the size limit is too large, not a bomb (issue 14.7)."""
    monkeypatch.setattr(safety, "MAX_TOTAL_UNCOMPRESSED", 4096)
    path = hostile.valid_xlsx(tmp_path)
    error = refusal(path)
    assert error.finding.code == "E-FILE-TOO-LARGE"
    assert error.finding.message("en").startswith("Too large: it expands to ")
    assert error.finding.message("en").endswith(f", over the limit of 4.0 KB: {path}")
    assert "爆弾" not in error.finding.message("ja")


def test_large_pictures_are_too_large_on_real_bytes_too(tmp_path, monkeypatch):
    """The same when only the bytes inflated tell (a member that declares less)."""
    monkeypatch.setattr(safety, "_check_declared", lambda members, size, where: None)
    monkeypatch.setattr(safety, "MAX_TOTAL_UNCOMPRESSED", 256 * 1024)
    path = hostile.large_pictures(tmp_path, 512 * 1024)
    assert refusal(path).finding.code == "E-FILE-TOO-LARGE"


def test_member_count_is_bounded_before_zipfile_parses_the_directory(tmp_path, monkeypatch):
    path = hostile.many_members(tmp_path, count=60)
    monkeypatch.setattr(safety, "MAX_MEMBERS", 50)

    def never(*args, **kwargs):
        raise AssertionError("zipfile parsed a directory that is over the limit")

    monkeypatch.setattr(safety.zipfile, "ZipFile", never)
    assert refusal(path).finding.code == "E-FILE-TOO-MANY-PARTS"


def test_workbook_at_the_member_limit_passes(tmp_path, monkeypatch):
    base = len(zipfile.ZipFile(io.BytesIO(hostile.valid_xlsx_bytes())).namelist())
    monkeypatch.setattr(safety, "MAX_MEMBERS", base + 20)
    assert safety.check_workbook(hostile.many_members(tmp_path, count=20)) is None


def _valid_total() -> int:
    archive = zipfile.ZipFile(io.BytesIO(hostile.valid_xlsx_bytes()))
    return sum(info.file_size for info in archive.infolist())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_dtd_found_in_every_encoding_the_parsers_read(tmp_path, encoding):
    assert refusal(hostile.encoded_doctype(tmp_path, encoding)).finding.code == "E-FILE-XMLBOMB"


@given(
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-16-be", "utf-32-le"]),
    marker=st.sampled_from(["<!DOCTYPE", "<!ENTITY"]),
    before=st.text(alphabet='<>/=" abc指標 ', max_size=200),
    cuts=st.lists(st.integers(0, 2000), max_size=12),
)
def test_marker_is_found_however_the_part_is_split(encoding, marker, before, cuts):
    data = ('<?xml version="1.0"?>' + before + marker + " x>").encode(encoding)
    bounds = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    scanner = safety._DtdScanner()
    found = [scanner.feed(data[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    assert marker in found


# ---- XML: the check is the first layer, defusedxml inside openpyxl the second -------


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True
    assert openpyxl.xml.LXML is False  # lxml is installed (pikepdf's), and not used


def test_openpyxl_itself_refuses_the_bombs(tmp_path):
    """Even a file that bypassed check_workbook would not be expanded by openpyxl."""
    from defusedxml import DefusedXmlException

    for build in (hostile.xml_bomb, hostile.xxe):
        with pytest.raises(ValueError) as caught:  # openpyxl wraps the parser's error
            openpyxl.load_workbook(build(tmp_path))
        error = caught.value
        while error is not None and not isinstance(error, DefusedXmlException):
            error = error.__cause__
        assert isinstance(error, DefusedXmlException), caught.value


# ---- messages -------------------------------------------------------------------------

CODES = sorted({code for _, code in CASES} | {"E-FILE-MISSING", "E-FILE-UNREADABLE"})


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_both_languages(code):
    entry = catalogue()[code]
    assert entry["severity"] == ERROR
    for part in ("message", "hint"):
        assert entry[part]["ja"] and entry[part]["en"]
    assert "{path}" in entry["message"]["ja"] and "{path}" in entry["message"]["en"]


# ---- anything at all: an answer or UnreadableFile, never another exception ----------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "input.xlsx"


def _check_any(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        safety.check_workbook(path)
    except UnreadableFile as error:
        assert error.finding.code in catalogue()
        assert_renders(error)


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes(scratch, data):
    _check_any(scratch, data)


@FUZZ
@given(
    prefix=st.sampled_from([b"PK\x03\x04", b"PK\x05\x06", hostile.OLE_MAGIC]),
    data=st.binary(max_size=2048),
)
def test_arbitrary_bytes_behind_a_magic_number(scratch, prefix, data):
    _check_any(scratch, prefix + data)


VALID = hostile.valid_xlsx_bytes()


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    cut=st.integers(1, len(VALID)),
)
def test_damaged_workbook(scratch, edits, cut):
    data = bytearray(VALID)
    for offset, value in edits:
        data[offset] = value
    _check_any(scratch, bytes(data[:cut]))


@pytest.fixture(scope="module")
def compound_file(tmp_path_factory):
    return hostile.encrypted_xlsx(tmp_path_factory.mktemp("ole")).read_bytes()


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)), max_size=8))
def test_damaged_compound_file(scratch, compound_file, edits):
    data = bytearray(compound_file)
    for offset, value in edits:
        data[offset % len(data)] = value
    _check_any(scratch, bytes(data))


@settings(max_examples=500)
@given(st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]),
       st.lists(st.sampled_from(["<", "!", "<!", "a", "\x00", "DOCTYPE", "!!", "<<", "ENTITY"]), max_size=40),
       st.integers(0, 7))
def test_the_dtd_opener_is_found_wherever_plain_search_finds_it(encoding, parts, cut):
    """_holds (memchr for 「!」 first) answers exactly as `opener in window`, in every
    encoding the scanner knows, from any byte on (a piece may start mid-character)."""
    opener, _markers = safety._dtd_patterns(encoding)
    window = "".join(parts).encode(encoding)[cut:]
    assert safety._holds(window, opener) == (opener in window)
