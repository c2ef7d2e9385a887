"""XlsxWriter's Packager, faster for the two parts a 調書 fills with its own text: the
shared strings (~900 texts a 調書) and the custom properties (the embedded input, ~200
pieces of 255 characters: writers/embed.py), writing the same bytes.

Enters: the workbook's string table and custom properties, as the stock Packager gets
them (ChoshoBook._get_packager, XlsxWriter's own hook for another packager). Leaves: the
same sharedStrings.xml and custom.xml. The stock writer runs, for every text, two
substitutions (control characters and their 「_xHHHH_」 escape), two searches for
leading or trailing white space (the second, 「\\s$」, tried at every character of the
text) and one for the characters XML escapes: ~5 % of writing a 調書. Here a text that
none of those would change (one search for the characters they act on, and the
「_x」 they need) is written as it is; any other by the stock method. tests/test_bench.py
(the floor: the stock Packager) and tests/test_writers_sheet.py pin the bytes."""

from __future__ import annotations

import re

from xlsxwriter.custom import Custom
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings

# Every character one of the stock escapes acts on: XML's 「&<>」 (and 「"」 and the line
# break in attributes), control characters other than tab and line break (written
# 「_xHHHH_」), and the two non-characters; 「_x」 (the escape of an escape) is tested apart.
_TOUCHED = re.compile('[\x00-\x08\x0b-\x1f\n"&<>\ufffe\uffff]')
# …of them, those a shared string's text is changed by (the line break and 「"」 are
# escaped in attributes only): ~1 text in 4 of a 調書 has a line break.
_TOUCHED_TEXT = re.compile("[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]")
_NOT_TEXT = ("number_int", "number", "date", "bool")  # the property types not written as text
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _as_is(text, touched: re.Pattern = _TOUCHED) -> bool:
    """Whether the stock escapes leave `text` as it is (and it needs no xml:space)."""
    return (text.__class__ is str and "_x" not in text and not touched.search(text)
            and not text[:1].isspace() and not text[-1:].isspace())


class _SharedStrings(SharedStrings):
    def _write_sst_strings(self) -> None:
        out: list[str] = []
        for string in self.string_table.string_array:
            if _as_is(string, _TOUCHED_TEXT):  # str.isspace is the stock 「\s」 (Py_UNICODE_ISSPACE)
                out.append(f"<si><t>{string}</t></si>")
                continue
            self.fh.write("".join(out))
            out.clear()
            self._write_si(string)  # the stock method: rich strings, escapes, xml:space
        self.fh.write("".join(out))


class _Custom(Custom):
    def _write_property(self, custom_property) -> None:
        name, value, kind = custom_property
        if kind in _NOT_TEXT or not _as_is(name) or not _as_is(value):
            super()._write_property(custom_property)
            return
        self.pid += 1
        self.fh.write(f'<property fmtid="{_FMTID}" pid="{self.pid}" name="{name}">'
                      f"<vt:lpwstr>{value}</vt:lpwstr></property>")


class ChoshoPackager(Packager):
    """The stock Packager writing sharedStrings.xml and custom.xml with the classes above."""

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = _SharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()

    def _write_custom_file(self) -> None:
        properties = self.workbook.custom_properties
        if not properties:
            return
        custom = _Custom()
        custom._set_properties(properties)
        custom._set_xml_writer(self._filename("docProps/custom.xml"))
        custom._assemble_xml_file()
