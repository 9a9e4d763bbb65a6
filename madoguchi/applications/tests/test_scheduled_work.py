"""X3: scheduled work — an application due later than it is accepted is never carried out
early (not by a worker, not by reconcile, not by an operator), and a schedule missed while
the workers were down is caught up. The clock is moved with ``time_machine``.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    NotOperable,
    claim_application,
    enqueue_work,
    process_application,
    process_application_now,
    reconcile_applications,
)
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.testing.workers import status_of, wait_for

PROCESS_TASK = "madoguchi.applications.tasks.process_application"

pytestmark = pytest.mark.django_db


def scheduled(when: timedelta, **kwargs) -> Application:
    return ApplicationFactory(not_before=timezone.now() + when, **kwargs)


def test_x3_claim_refuses_an_application_before_it_is_due(time_machine):
    application = scheduled(timedelta(hours=1))
    assert claim_application(application.pk) is None
    assert status_of(application) == Application.Status.ACCEPTED
    assert application.attempts == 0  # no attempt was counted
    time_machine.move_to(application.not_before + timedelta(seconds=1))
    claimed = claim_application(application.pk)
    assert claimed is not None and claimed.status == Application.Status.PROCESSING


def test_x3_a_due_application_is_carried_out_once_its_time_has_come(time_machine):
    application = scheduled(timedelta(days=2))
    assert process_application(application.pk) is False
    time_machine.move_to(application.not_before)
    assert process_application(application.pk) is True
    assert status_of(application) == Application.Status.DONE


@pytest.mark.usefixtures("database_tasks")
def test_x3_the_wakeup_is_enqueued_to_run_at_the_due_time():
    """With the database backend, the task itself waits (``run_after = not_before``)."""
    application = scheduled(timedelta(minutes=10))
    enqueue_work(application)
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == PROCESS_TASK
    assert task.run_after == application.not_before


def test_x3_a_backend_that_cannot_wait_is_not_woken_early(time_machine, settings):
    """The immediate backend cannot defer: the future work is left to reconcile."""
    settings.APPLICATION_STALE_SECONDS = 60
    application = scheduled(timedelta(minutes=10))
    enqueue_work(application)
    assert status_of(application) == Application.Status.ACCEPTED
    time_machine.move_to(application.not_before + timedelta(seconds=61))
    assert reconcile_applications() == 1  # immediate backend: carried out at once
    assert status_of(application) == Application.Status.DONE


@pytest.mark.usefixtures("database_tasks")
def test_x3_missed_schedules_are_caught_up_after_downtime(time_machine, settings):
    """The workers were down for a day: every application that fell due meanwhile is woken
    by the first reconcile after the restart; those due later still wait."""
    settings.APPLICATION_STALE_SECONDS = 60
    missed = [scheduled(timedelta(hours=hours)) for hours in (1, 5, 20)]
    later = scheduled(timedelta(days=3))
    time_machine.move_to(timezone.now() + timedelta(days=1))
    assert reconcile_applications() == 3
    woken = {task.args_kwargs["kwargs"]["application_id"] for task in DBTaskResult.objects.all()}
    assert woken == {application.pk for application in missed}
    assert later.pk not in woken


def test_x3_b1_an_operator_cannot_process_scheduled_work_early(operator, time_machine):
    application = scheduled(timedelta(days=1))
    with pytest.raises(NotOperable) as refused:
        process_application_now(application=application, operator=operator)
    assert "処理予定日時" in refused.value.message
    assert status_of(application) == Application.Status.ACCEPTED
    time_machine.move_to(application.not_before)
    process_application_now(application=application, operator=operator)
    assert status_of(application) == Application.Status.DONE


def test_x3_d4_7_mailbox_applications_are_due_after_the_cancel_window(customer, settings):
    """The kind's delay sets the due time: the customer may cancel until then (D4.7)."""
    settings.MAILBOX_PROCESSING_DELAY_SECONDS = 600
    MailboxFactory(contract=customer.contract, slot=1)
    before = timezone.now()
    application = submit(customer, 2, "add", account="hanako")
    assert before + timedelta(seconds=600) <= application.not_before
    assert application.not_before <= timezone.now() + timedelta(seconds=600)
    assert application.can_be_cancelled and application.is_scheduled


def test_x3_d4_7_the_cancel_window_has_a_real_production_default():
    """Defect 12: 10 minutes unless set (the demo sets a minute); 0 made 「キャンセル」
    practically impossible."""
    from madoguchi import settings as project_settings

    assert project_settings.MAILBOX_PROCESSING_DELAY_SECONDS == 600


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_x3_a_real_worker_waits_for_the_due_time(customer, database_tasks, processes):
    """Through django-tasks-db and a real ``db_worker``: nothing happens before the time."""
    MailboxFactory(contract=customer.contract, slot=1)
    application = submit(customer, 2, "add", account="hanako")
    due = timezone.now() + timedelta(seconds=4)
    Application.objects.filter(pk=application.pk).update(not_before=due)
    DBTaskResult.objects.update(run_after=due)
    processes.worker()
    wait_for(lambda: timezone.now() > due - timedelta(seconds=2), timeout=10)
    assert status_of(application) == Application.Status.ACCEPTED  # not early
    wait_for(lambda: status_of(application) == Application.Status.DONE, timeout=30)
    application.refresh_from_db()
    assert application.finished_at >= due
