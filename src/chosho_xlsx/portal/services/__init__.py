"""What the portal does, without HTTP: the web pages (views.py) and the JSON API call these.
Validation, the annotated copy, the 調書 and the preview all come from the pipeline
(check_file, annotate, batch.build.run, preview); nothing is re-implemented here.

One module per concept; each takes Django users and models and returns models or plain
data, and refuses with the domain errors of portal/errors.py (never an HTTP status):

    visibility   who may see which 施策 and versions
    registry     which 施策 exist and which 課 may submit them (register, assign)
    files        receiving a workbook as a version; the files made from it (blob,
                 annotated copy, PDF preview, the sheets as a grid)
    review       the state of each 施策 (rows, dashboard) and its transitions
                 (submit, return, lock), the rules of which are portal/workflow.py
    builds       the ZIP of every submitted 調書 of a year
    cycle        two versions compared (diff) and last year's submission rolled over
    jobs         long work on the queue (the year's book, build all, next year's
                 workbooks, a PDF preview): start, cancel, run in a worker, recover
"""

from __future__ import annotations

from django.conf import settings


def data():
    """The portal's data folder (portal/datadir.py), as settings hold it."""
    return settings.DATA
