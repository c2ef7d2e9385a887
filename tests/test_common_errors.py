"""common/errors.py: one hierarchy of the errors a user meets, each with its exit code
and its sentence, caught once by the command line (cli.shared.Commands)."""

import pytest
from typer.testing import CliRunner

from chosho_xlsx.book.publish import PublishError
from chosho_xlsx.cli import app
from chosho_xlsx.common.errors import (
    EXIT_CONTENT,
    EXIT_UNREADABLE,
    ChoshoError,
    CycleError,
    DomainError,
    IntakeError,
    RenderError,
    WriterError,
)
from chosho_xlsx.common.findings import UnreadableFile
from chosho_xlsx.common.sentences import both, text
from chosho_xlsx.common.text import TextTooLong
from chosho_xlsx.contract.parsers import CellError
from chosho_xlsx.cycle.diff import DiffRefused, NotInput
from chosho_xlsx.cycle.rollover import RolloverError, RolloverRefused
from chosho_xlsx.model.fiscal import YearError
from chosho_xlsx.model.form_texts import LayoutError
from chosho_xlsx.model.quantity import QuantityError
from chosho_xlsx.model.ruleset import RulesetError
from chosho_xlsx.render.libreoffice import LibreOfficeError, LibreOfficeMissing
from chosho_xlsx.writers.annotate import AnnotateError
from chosho_xlsx.writers.embed import EmbeddedError
from chosho_xlsx.writers.input_workbook import InputWorkbookError


@pytest.mark.parametrize(("cls", "stage"), [
    (UnreadableFile, IntakeError), (RulesetError, DomainError),
    (InputWorkbookError, WriterError), (AnnotateError, WriterError), (LayoutError, WriterError),
    (EmbeddedError, WriterError), (TextTooLong, WriterError),
    (LibreOfficeMissing, RenderError), (LibreOfficeError, RenderError), (PublishError, RenderError),
    (RolloverError, CycleError), (RolloverRefused, CycleError), (DiffRefused, CycleError),
    (NotInput, CycleError),
])
def test_every_error_a_user_meets_is_a_chosho_error_of_its_stage(cls, stage):
    assert issubclass(cls, stage) and issubclass(stage, ChoshoError)


@pytest.mark.parametrize("cls", [CellError, QuantityError, YearError])
def test_control_flow_inside_a_stage_stays_outside(cls):
    assert not issubclass(cls, ChoshoError)


def test_an_error_knows_its_exit_code_and_sentence():
    assert UnreadableFile("E-FILE-MISSING", "a.xlsx").exit_code == EXIT_UNREADABLE
    assert UnreadableFile("E-FILE-MISSING", "a.xlsx").message("en") == "File not found: a.xlsx"
    assert RulesetError("rate.rounding: bad").message() == "規則設定ファイルを読めません: rate.rounding: bad"
    assert RulesetError("rate.rounding: bad").message("en") == "Cannot read the rules file: rate.rounding: bad"
    dup = PublishError("publish.duplicate", EXIT_CONTENT, first="a.xlsx", second="b.xlsx")
    assert dup.exit_code == EXIT_CONTENT
    assert dup.message("en") == "two 調書 of the same 施策 and 実施年度: a.xlsx, b.xlsx"
    assert str(PublishError("publish.no-chosho")) == "調書がありません / no 調書 to publish"
    assert InputWorkbookError("bad row").message("en") == "bad row"  # no sentence of its own: its text


def test_sentences_are_data_in_both_languages():
    assert both("inputs.none") == "入力ファイルがありません / no input workbooks found"
    assert text("build.more", "en", more=2) == " (and 2 more)"
    assert text("build.status.合格") == "作成"
    assert text("build.done", "ja", built=3, failed=1, seconds=1.25) == "3件の調書を作成、1件は作成できませんでした（1.2秒）。"


def test_the_command_line_catches_any_chosho_error_once(monkeypatch, tmp_path):
    """An error no command catches itself is still one sentence in the command's
    language and its exit code, never a traceback."""
    from chosho_xlsx.model import ruleset

    def broken(path=None):
        raise PublishError("publish.no-chosho", EXIT_CONTENT)

    monkeypatch.setattr(ruleset, "load_ruleset", broken)
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "a.xlsx"), "--lang", "en"])
    assert result.exit_code == EXIT_CONTENT
    assert result.output == "no 調書 to publish\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)
