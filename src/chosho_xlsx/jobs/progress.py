"""How a job body reports how far it has got and learns that it should stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chosho_xlsx.common.sentences import text


class Cancelled(Exception):
    """The job was asked to stop; the body stopped at its next step, leaving nothing behind."""


class JobFailed(Exception):
    """The inputs cannot make the result: one sentence, in Japanese, for the job's row."""

    def __init__(self, sentence: str):
        super().__init__(sentence)
        self.sentence = sentence


def sentence(key: str, **params: object) -> str:
    """The job sentence `key` (jobs.* of data/sentences.yaml), in Japanese."""
    return text(f"jobs.{key}", "ja", **params)


def first_sentence(exc: Exception) -> str:
    """A ChoshoError's Japanese sentence (the 「ja / en」 ones cut at the slash)."""
    text = exc.message("ja") if hasattr(exc, "message") else str(exc)
    return (text or type(exc).__name__).split(" / ")[0]


def _never() -> bool:
    return False


def _nowhere(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class Progress:
    """`report(stage, done, total)`: e.g. ("印刷", 12, 150); `cancelled()`: True once the
    job is to stop. step() reports and checks; check() only checks."""

    report: Callable[[str, int, int], None] = _nowhere
    cancelled: Callable[[], bool] = _never

    def step(self, stage: str, done: int, total: int) -> None:
        self.check()
        self.report(stage, done, total)

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled
