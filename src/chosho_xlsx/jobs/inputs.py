"""The stored workbooks a job works on, copied under the names people know them by."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.writers.naming import safe_stem


@dataclass(frozen=True)
class Stored:
    """One stored version: its file in the data folder and its label
    (「デジタル戦略課_ICTを活用した…_第3版」), which names its copy and its 一覧 row."""

    path: Path
    label: str

    def to_dict(self) -> dict:
        return {"path": str(self.path), "label": self.label}

    @classmethod
    def from_dict(cls, d: dict) -> Stored:
        return cls(Path(d["path"]), d["label"])


def copies(stored: list[Stored], folder: Path) -> list[Path]:
    """Each stored file copied into `folder` as `<label><suffix>` (the stored name is a
    hash, and the inputs must not be touched)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for s in stored:
        path = folder / f"{safe_stem(s.label)}{s.path.suffix}"
        shutil.copyfile(s.path, path)
        out.append(path)
    return out


def rules():
    """The rules settings (schemas/rules.yaml)."""
    return load_ruleset()
