"""The exit codes and the one exception hierarchy the command line catches.

Exit codes (README): 0 fine, 1 the content breaks the contract, 2 a file cannot be read
safely, an output cannot be written, or the command was misused.

Every error a user can meet derives from ChoshoError, which carries its exit code and
says itself in one sentence (`message(lang)`); `cli` catches ChoshoError once and prints
that sentence, so no stage needs to know about the terminal. The stages each have their
own branch, so a caller can catch a stage's errors without naming every class.

Exceptions that steer control flow inside one stage and never leave it are not part of
this tree (contract.parsers.CellError and model.quantity.QuantityError become findings
at the cell; model.fiscal.YearError is the answer of a parser; intake.scan.DtdRefused and
the safety check's own are turned into UnreadableFile before they leave)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_UNREADABLE = 2
EXIT_MISUSE = EXIT_UNREADABLE  # one code for both (README): nothing was done
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C (128 + SIGINT)
EXIT_TERMINATED = 143  # the shell's code for a process stopped by SIGTERM (128 + 15)


class ChoshoError(Exception):
    """An error the user meets: `exit_code` for the shell, `message(lang)` one sentence
    (the exception's text unless a subclass knows it in each language; '' when
    `checked` says it all), `checked` the validation result behind it, if any (its
    findings are shown before the sentence)."""

    exit_code: int = EXIT_UNREADABLE
    checked = None  # common.findings.Checked

    def message(self, lang: str = "ja") -> str:
        return str(self)


class IntakeError(ChoshoError):
    """A file cannot be read safely (intake/)."""


class DomainError(ChoshoError):
    """The rules settings cannot be used (model.ruleset)."""


class WriterError(ChoshoError):
    """An output cannot be written as it must be (writers/)."""


class RenderError(ChoshoError):
    """LibreOffice, poppler or the book they print (render/)."""


class CycleError(ChoshoError):
    """The yearly cycle (rollover, diff) cannot go on (cycle/)."""

    @property
    def exit(self) -> int:
        """The name rollover's callers knew the exit code by."""
        return self.exit_code
