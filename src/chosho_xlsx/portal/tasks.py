"""The portal's one task for the queue (django-tasks): run the Job row `job_id`. Kept
apart so that the worker imports the task by its path without the web's modules."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> None:
    # lazy: a cycle: the services import this module to enqueue its tasks
    from chosho_xlsx.portal.services import jobs

    jobs.execute(job_id)


@task()
def send_mails() -> None:
    # lazy: a cycle: the services import this module to enqueue its tasks
    from chosho_xlsx.portal.services import mail

    mail.send_pending()
