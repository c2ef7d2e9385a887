"""The floor: raw XlsxWriter writing exactly what write_chosho writes.

`record(report, settings)` runs the real write_chosho once with its XlsxWriter Workbook
swapped for a recording one: every add_format, add_worksheet, workbook call and
worksheet call (cells, merges, formats, row heights, print setup) is kept, with each
Format replaced by its number. `replay(recording, path)` makes the same calls on a plain
XlsxWriter Workbook: the same cells, merges and formats, with no reading, validation,
rules or layout planning. Timing N replays in one process is the floor a batch build is
compared with."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from xlsxwriter.format import Format

# op kinds
FMT, SHEET, BOOK, CALL = 0, 1, 2, 3


@dataclass
class Recording:
    options: dict
    ops: list[tuple] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.ops)


class _Ref:
    """A Format in a recorded call, by its number."""

    __slots__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = i

    def __reduce__(self):
        return (_Ref, (self.i,))


class _SheetRecorder:
    def __init__(self, ws, index: int, book: _RecordingWorkbook) -> None:
        self._ws = ws
        self._index = index
        self._book = book

    def __getattr__(self, name: str):
        attr = getattr(self._ws, name)
        if not callable(attr):
            return attr
        book, index = self._book, self._index

        def call(*args, **kwargs):
            book._record_call(index, name, args, kwargs)
            return attr(*args, **kwargs)

        return call


class _RecordingWorkbook(xlsxwriter.Workbook):
    """A Workbook that keeps a Recording of what is done to it."""

    last: Recording | None = None

    def __init__(self, filename=None, options=None) -> None:
        self._formats: dict[int, int] | None = None  # the constructor's own formats are not ours
        super().__init__(filename, options)
        self.recording = Recording(copy.deepcopy(options or {}))
        self._formats = {}
        self._sheets = 0
        _RecordingWorkbook.last = self.recording

    def _ref(self, value):
        if isinstance(value, Format):
            return _Ref(self._formats[id(value)])
        if isinstance(value, list):
            return [self._ref(v) for v in value]
        return copy.deepcopy(value)

    def _record_call(self, index, name, args, kwargs) -> None:
        a = tuple(self._ref(v) for v in args)
        k = {key: self._ref(v) for key, v in kwargs.items()}
        pos = tuple(i for i, v in enumerate(a) if isinstance(v, _Ref))
        self.recording.ops.append((CALL, index, name, a, k, pos))

    def add_format(self, properties=None):
        fmt = super().add_format(properties)
        if self._formats is None:
            return fmt
        self._formats[id(fmt)] = len(self._formats)
        self.recording.ops.append((FMT, copy.deepcopy(properties or {})))
        return fmt

    def add_worksheet(self, name=None, worksheet_class=None):
        ws = super().add_worksheet(name, worksheet_class)
        self.recording.ops.append((SHEET, name))
        self._sheets += 1
        return _SheetRecorder(ws, self._sheets - 1, self)

    def set_properties(self, properties):
        self.recording.ops.append((BOOK, "set_properties", (copy.deepcopy(properties),), {}))
        return super().set_properties(properties)

    def set_custom_property(self, name, value, property_type=None):
        self.recording.ops.append((BOOK, "set_custom_property", (name, value, property_type), {}))
        return super().set_custom_property(name, value, property_type)


def record(report, settings, path: str | Path) -> Recording:
    """Write the 調書 of `report` to `path` with write_chosho, recording its calls."""
    from chosho_xlsx.writers.layout import workbook as layout_workbook

    saved = layout_workbook.Workbook
    layout_workbook.Workbook = _RecordingWorkbook
    _RecordingWorkbook.last = None
    try:
        layout_workbook.write_chosho(report, path, settings)
    finally:
        layout_workbook.Workbook = saved
    rec = _RecordingWorkbook.last
    if rec is None or not rec.ops:
        raise RuntimeError("write_chosho made no XlsxWriter calls through layout.workbook.Workbook")
    return rec


def replay(rec: Recording, path: str | Path | BinaryIO) -> None:
    """The recorded calls on a plain XlsxWriter Workbook writing `path` (or into a
    file-like object, as XlsxWriter takes one: never its repr as a file name)."""
    wb = xlsxwriter.Workbook(path if hasattr(path, "write") else str(path), rec.options)
    formats: list[Format] = []
    sheets = []
    add_format, add_worksheet = wb.add_format, wb.add_worksheet
    for op in rec.ops:
        kind = op[0]
        if kind == CALL:
            _, index, name, args, kwargs, pos = op
            if pos:
                args = list(args)
                for i in pos:
                    args[i] = formats[args[i].i]
            if kwargs:
                kwargs = {k: formats[v.i] if isinstance(v, _Ref) else v for k, v in kwargs.items()}
            getattr(sheets[index], name)(*args, **kwargs)
        elif kind == FMT:
            formats.append(add_format(op[1]))
        elif kind == SHEET:
            sheets.append(add_worksheet(op[1]))
        else:
            getattr(wb, op[1])(*op[2], **op[3])
    wb.close()
