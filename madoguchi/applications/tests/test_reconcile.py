"""X3: reconcile re-enqueues lost work, only lost work, and never scheduled work early."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.services import cancel_application, reconcile_applications
from madoguchi.applications.tests.factories import ApplicationFactory

PROCESS_TASK = "madoguchi.applications.tasks.process_application"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_tasks")]

STALE = timedelta(minutes=5)


@pytest.fixture(autouse=True)
def _stale_after_a_minute(settings):
    settings.APPLICATION_STALE_SECONDS = 60


def enqueued() -> list[tuple[str, int]]:
    """(task, application id) of every task in the database queue."""
    return sorted(
        (task.task_path, task.args_kwargs["kwargs"]["application_id"])
        for task in DBTaskResult.objects.all()
    )


def test_x3_reconcile_reenqueues_accepted_application_nobody_took():
    application = ApplicationFactory.aged(STALE)
    assert reconcile_applications() == 1
    assert enqueued() == [(PROCESS_TASK, application.pk)]


def test_x3_reconcile_leaves_a_fresh_accepted_application_alone():
    """Just submitted: its own wake-up is on its way, no duplicate."""
    ApplicationFactory()
    assert reconcile_applications() == 0
    assert enqueued() == []


def test_x3_reconcile_reenqueues_processing_with_expired_lease():
    application = ApplicationFactory(
        processing=True, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert reconcile_applications() == 1
    assert enqueued() == [(PROCESS_TASK, application.pk)]


def test_x3_reconcile_leaves_processing_with_valid_lease_alone():
    """A worker is on it (even if it was submitted long ago)."""
    ApplicationFactory.aged(STALE, processing=True)
    assert reconcile_applications() == 0
    assert enqueued() == []


def test_x3_reconcile_leaves_finished_applications_alone():
    ApplicationFactory.aged(STALE, done=True)
    ApplicationFactory.aged(STALE, status="failed", failure_reason="理由")
    ApplicationFactory.aged(STALE, status="cancelled")
    assert reconcile_applications() == 0
    assert enqueued() == []


def test_x3_reconcile_counts_each_lost_application_once():
    lost = [
        ApplicationFactory.aged(STALE),
        ApplicationFactory(processing=True, lease_expires_at=timezone.now()),
    ]
    ApplicationFactory()
    ApplicationFactory(processing=True)
    ApplicationFactory.aged(STALE, done=True)
    assert reconcile_applications() == 2
    assert {application_id for _, application_id in enqueued()} == {a.pk for a in lost}


def test_x3_d4_7_reconcile_never_wakes_work_before_it_is_due():
    """An application waiting for its date (a cancel window, a desired date) is not lost,
    however long ago it was submitted: waking it early would carry it out while the customer
    may still cancel (today's bug: reconcile woke it after the per-kind delay)."""
    due_later = ApplicationFactory.aged(timedelta(days=3), kind="mailbox_add")
    due_later.not_before = timezone.now() + timedelta(days=10)
    due_later.save(update_fields=["not_before"])
    just_due = ApplicationFactory(kind="mailbox_add", not_before=timezone.now())

    assert reconcile_applications() == 0
    assert enqueued() == []
    cancel_application(due_later, actor=due_later.submitted_by)  # still the customer's

    lost = ApplicationFactory(
        kind="mailbox_add", not_before=timezone.now() - timedelta(minutes=1, seconds=1)
    )
    assert reconcile_applications() == 1
    assert enqueued() == [(PROCESS_TASK, lost.pk)]
    assert just_due.status == "accepted"


def test_x3_reconcile_ignores_kinds_carried_out_by_hand(manual_kind):
    """A manual kind waits for an operator; no worker is ever woken for it."""
    ApplicationFactory.aged(STALE, kind=manual_kind.code, work={})
    assert reconcile_applications() == 0
    assert enqueued() == []
