"""The 調書 built from stored versions: batch.build.run over copies of them, and the ZIP
of every submitted (or locked) 施策 of a year for the planning division."""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.db import transaction

from chosho_xlsx.batch.build import run
from chosho_xlsx.portal.datadir import StoredNameError
from chosho_xlsx.portal.errors import Conflict, NotFound
from chosho_xlsx.portal.examine import rules
from chosho_xlsx.portal.models import Build, Event, Policy, Upload
from chosho_xlsx.portal.services import data
from chosho_xlsx.portal.words import say
from chosho_xlsx.writers.naming import safe_stem


def blob(upload: Upload) -> Path:
    """Where a version's bytes are kept (by their hash); a row naming its file by
    anything but a digest (a forged backup) is refused, never made a path."""
    try:
        return data().blob(upload.sha256, upload.suffix)
    except StoredNameError:
        raise NotFound(say("stored-name-refused")) from None


def batch(uploads: list[tuple[str, Upload]], out: Path, summary: bool):
    """batch.build.run over copies of the stored files named for people (the 一覧 lists them)."""
    inputs = out / "提出"
    inputs.mkdir(parents=True)
    paths = []
    for label, u in uploads:
        path = inputs / f"{safe_stem(label)}{u.suffix}"
        shutil.copyfile(blob(u), path)
        paths.append(path)
    # One process: forking workers from a server thread is not safe. The 一覧 names each
    # input as the copy is named, not by the temporary folder (same ZIP for the same
    # submissions).
    return run(paths, out / "調書", rules(), jobs=1, summary=summary,
               labels=[p.name for p in paths])


def build_zip(user, fiscal_year: int) -> Build:
    """Every submitted (or locked) 施策 of the year built by `build`, and the 一覧, in one ZIP."""
    policies = list(Policy.objects.filter(fiscal_year=fiscal_year, state__in=(Policy.SUBMITTED, Policy.LOCKED))
                    .select_related("submitted").order_by("section", "name"))
    if not policies:
        raise Conflict(say("nothing-submitted"))
    with tempfile.TemporaryDirectory(prefix="chosho-portal-") as tmp:
        built = batch([(f"{p.section}_{p.name}_第{p.submitted.version}版", p.submitted) for p in policies],
                      Path(tmp), summary=True)
        files = [e.path for e in built.built] + [p for p in (built.summary, built.overview) if p]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, path.name)
    content = buf.getvalue()
    with transaction.atomic():  # no Build row without its ZIP
        build = Build.objects.create(user=user, fiscal_year=fiscal_year, policies=len(built.built),
                                     sha256=hashlib.sha256(content).hexdigest())
        with data().writing(data().build(build.pk)) as tmp_zip:
            tmp_zip.write_bytes(content)
        Event.objects.create(user=user, action=Event.BUILD, comment=say("event.built", count=len(built.built)))
    return build


def build_path(build: Build) -> Path:
    return data().build(build.pk)
