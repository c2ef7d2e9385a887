"""The workflow of a 施策 in a 実施年度, written once: its states, the status the pages and
the API show, and the transitions with who may take each and from where. Pure data and
functions (no Django, no database): the services enforce these inside a transaction
holding the 施策's row; the pages and the admin ask them what to offer.

    state (Policy.state)   status shown                         how it is left
    open                   未提出 / エラーあり / 警告あり          提出 (部局; its version
                           (from the version the 部局 chose,     without errors, a comment
                           Policy.current)                       for warnings); a new upload
    returned               差し戻し (with its reason)            as open
    submitted              提出済                                取り下げ (部局); 差し戻し with
                                                                 a reason, 確定 (企画課)
    locked                 確定                                  確定解除 with a reason (企画課)
                                                                 → submitted

No dead ends: from every state a department reaches 提出済 by uploading a correct workbook
and submitting it (after 取り下げ, or after the planning division's 確定解除);
tests/test_portal_workflow.py proves it over random sequences of actions."""

from __future__ import annotations

from dataclasses import dataclass

from chosho_xlsx.portal.errors import Conflict, Forbidden, Invalid, PortalError
from chosho_xlsx.portal.words import say

DEPARTMENT, PLANNING = "department", "planning"

# ---- states (stored) and statuses (shown) ---------------------------------------------------------

OPEN, RETURNED, SUBMITTED, LOCKED = "open", "returned", "submitted", "locked"
STATE_LABELS = {OPEN: "未提出", RETURNED: "差し戻し", SUBMITTED: "提出済", LOCKED: "確定"}

NOT_SUBMITTED, HAS_ERRORS, HAS_WARNINGS = "未提出", "エラーあり", "警告あり"
RETURNED_STATUS, SUBMITTED_STATUS, LOCKED_STATUS = "差し戻し", "提出済", "確定"
# in the order the dashboard counts them
STATUSES = (NOT_SUBMITTED, HAS_ERRORS, HAS_WARNINGS, RETURNED_STATUS, SUBMITTED_STATUS, LOCKED_STATUS)


@dataclass(frozen=True)
class Version:
    """What the workflow needs to know of a version (an Upload)."""

    pk: int
    number: int
    readable: bool
    errors: int
    warnings: int

    @property
    def valid(self) -> bool:
        return self.readable and not self.errors

    @classmethod
    def of(cls, upload) -> Version | None:
        if upload is None:
            return None
        return cls(upload.pk, upload.version, upload.readable, upload.errors, upload.warnings)


def status(state: str, current: Version | None) -> str:
    """The status a 施策 shows: its state, or while open the verdict on its current version."""
    if state != OPEN:
        return STATE_LABELS[state]
    if current is None:
        return NOT_SUBMITTED
    if not current.valid:
        return HAS_ERRORS
    if current.warnings:
        return HAS_WARNINGS
    return NOT_SUBMITTED


# ---- transitions ----------------------------------------------------------------------------------

UPLOAD, SUBMIT, WITHDRAW, RETURN, LOCK, UNLOCK = "upload", "submit", "withdraw", "return", "lock", "unlock"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # as the pages and the audit log name it
    role: str
    sources: tuple[str, ...]
    target: str
    reason: bool = False  # a reason is required (the department reads it)
    confirm: bool = False  # the page asks before taking it


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition(UPLOAD, "アップロード", DEPARTMENT, (OPEN, RETURNED), OPEN),
    Transition(SUBMIT, "提出", DEPARTMENT, (OPEN, RETURNED), SUBMITTED),
    Transition(WITHDRAW, "取り下げ", DEPARTMENT, (SUBMITTED,), OPEN),
    Transition(RETURN, "差し戻し", PLANNING, (SUBMITTED,), RETURNED, reason=True),
    Transition(LOCK, "確定", PLANNING, (SUBMITTED,), LOCKED, confirm=True),
    Transition(UNLOCK, "確定解除", PLANNING, (LOCKED,), SUBMITTED, reason=True, confirm=True),
)}

# What a department is told to do instead, when the state stops it.
_INSTEAD = {
    (DEPARTMENT, SUBMITTED): "wf.withdraw-first",
    (DEPARTMENT, LOCKED): "wf.ask-unlock",
    (PLANNING, LOCKED): "wf.unlock-first",
}


def refusal(action: str, role: str, state: str, current: Version | None = None,
            version: Version | None = None, text: str | None = None) -> PortalError | None:
    """Why `role` may not take `action` on a 施策 in `state` now, as the error to raise
    (its sentence says what to do instead); None when it may. `version` is the one to
    submit; `text` the comment or reason given (None: not asked yet, not checked)."""
    t = TRANSITIONS[action]
    if role != t.role:
        return Forbidden(say(f"wf.role-{t.role}", action=t.label))
    if state not in t.sources:
        sources = "・".join(STATE_LABELS[s] for s in t.sources)
        message = say("wf.not-from", action=t.label, sources=sources, status=STATE_LABELS[state])
        if (role, state) in _INSTEAD:
            message += say(_INSTEAD[role, state])
        return Conflict(message)
    if action == SUBMIT:
        why = _unsubmittable(current, version, text)
        if why is not None:
            return why
    if t.reason and text is not None and not text.strip():
        return Invalid(say("wf.reason-needed", action=t.label))
    return None


def _unsubmittable(current: Version | None, version: Version | None, text: str | None) -> PortalError | None:
    if version is None or not version.readable:
        return Conflict(say("wf.unreadable"))
    if current is None or version.pk != current.pk:
        return Conflict(say("wf.not-current", version=current.number) if current else say("wf.unreadable"))
    if version.errors:
        return Conflict(say("has-errors"))
    if version.warnings and text is not None and not text.strip():
        return Invalid(say("comment-needed"))
    return None


def allowed(role: str, state: str, current: Version | None) -> list[Transition]:
    """The transitions `role` may take now (submitting the current version), in the
    order the pages offer them; a comment or reason is asked for on the page."""
    return [t for t in TRANSITIONS.values()
            if refusal(t.action, role, state, current, current if t.action == SUBMIT else None) is None]


def needs_comment(version: Version) -> bool:
    """提出 of a version with warnings: the department says it checked them."""
    return version.warnings > 0
