"""Long work off the web request: the bodies of the portal's jobs, without Django.

What enters: plain paths of stored workbooks (each with the label people know it by), a
target path, the options of the job, and a Progress (a report callback and a cancel
check). What leaves: the file at `target`, complete or not at all, and a small summary
dict for the job's row; `Cancelled` when the cancel check said stop; `JobFailed` with one
sentence when the inputs cannot make the result.

    book.year_book        the year's book (everything `publish` does), by 調書
    build.build_all       every 調書 and the 一覧, as the portal's ZIP
    preview.preview_pdf   the PDF preview of one version
    rollover.rollover_all next year's workbook of every 施策, as a ZIP
    remind.reminder       the text of a reminder mail
    runner.run_child      a body run in a child process of its own, with progress and cancel

The portal (portal/jobqueue.py) gathers the inputs from its database, runs a body through
runner.run_child in a worker process, and keeps the progress on the job's row."""
