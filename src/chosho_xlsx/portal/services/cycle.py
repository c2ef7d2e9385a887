"""The yearly cycle on stored versions: two versions of a 施策 compared (cycle.diff) and
last year's submission rolled over to this year's workbook (cycle.rollover)."""

from __future__ import annotations

from chosho_xlsx.cycle.diff import DiffRefused, NotInput, diff_files
from chosho_xlsx.cycle.rollover import (
    RolloverError,
    RolloverRefused,
    rollover_bytes,
    rollover_file,
)
from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.errors import Conflict, NotFound, Unprocessable
from chosho_xlsx.portal.examine import rules
from chosho_xlsx.portal.models import Policy, Upload
from chosho_xlsx.portal.services.builds import blob
from chosho_xlsx.portal.services.visibility import visible_policies
from chosho_xlsx.portal.words import say


def version_label(upload: Upload) -> str:
    return say("version-label", year=fiscal.label(upload.policy.fiscal_year), version=upload.version)


def versions_to_compare(policy: Policy, old: str | None, new: str | None) -> tuple[Upload, Upload]:
    """The two versions of a 施策 asked for by id (the two newest when not asked);
    NotFound for an id that is not this 施策's, Conflict when it has fewer than two."""
    uploads = list(policy.uploads.select_related("policy").defer("findings").order_by("-version"))
    by_id = {str(u.pk): u for u in uploads}
    if not old and not new:
        if len(uploads) < 2:
            raise Conflict(say("two-versions-needed"))
        return uploads[1], uploads[0]
    if old not in by_id or new not in by_id:
        raise NotFound(say("no-such-submission"))
    return by_id[old], by_id[new]


def diff_versions(old: Upload, new: Upload):
    """diff.diff_files on two stored versions; Unprocessable when one has no content to compare."""
    try:
        return diff_files(blob(old), blob(new), rules(), old_name=version_label(old), new_name=version_label(new))
    except (DiffRefused, NotInput) as exc:
        which = old if exc.source == version_label(old) else new
        raise Unprocessable(say("cannot-compare", version=version_label(which))) from None


def rollover_source(user, policy: Policy) -> Upload | None:
    """The version of the same 施策 in the previous 実施年度 that next year's workbook starts
    from: the one submitted (or locked), else the newest without errors; None when the
    portal holds none this user may see."""
    previous = visible_policies(user).filter(key=policy.key, fiscal_year=policy.fiscal_year - 1).first()
    if previous is None:
        return None
    if previous.state in (Policy.SUBMITTED, Policy.LOCKED) and previous.submitted_id:
        return previous.submitted
    return next((u for u in previous.uploads.defer("findings").order_by("-version") if u.valid), None)


def rolled_over(source: Upload, policy: Policy) -> bytes:
    """rollover.rollover_file on a stored version, to the 施策's 実施年度."""
    try:
        return rollover_bytes(rollover_file(blob(source), rules(), to=policy.fiscal_year, name=source.filename))
    except RolloverError as exc:
        raise Conflict(exc.message("ja")) from None
    except RolloverRefused:
        raise Unprocessable(say("cannot-roll", version=version_label(source))) from None
