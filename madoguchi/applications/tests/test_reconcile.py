"""X3: reconcile re-enqueues lost work, and only lost work."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.services import cancel_application, reconcile_applications
from madoguchi.applications.tests.factories import ApplicationFactory

PUBLISH_TASK = "madoguchi.provisioning.tasks.publish_network_password"
MAIL_TASK = "madoguchi.applications.tasks.send_application_mail"

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
    assert enqueued() == sorted([(PUBLISH_TASK, application.pk), (MAIL_TASK, application.pk)])


def test_x3_reconcile_leaves_a_fresh_accepted_application_alone():
    """Just submitted: its own wake-up is on its way, no duplicate."""
    ApplicationFactory()
    assert reconcile_applications() == 0
    assert enqueued() == []


def test_x3_reconcile_reenqueues_processing_with_expired_lease():
    application = ApplicationFactory(
        processing=True,
        mail_sent_at=timezone.now(),
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert reconcile_applications() == 1
    assert enqueued() == [(PUBLISH_TASK, application.pk)]


def test_x3_reconcile_leaves_processing_with_valid_lease_alone():
    """A worker is on it (even if it was submitted long ago)."""
    ApplicationFactory.aged(STALE, processing=True, mail_sent_at=timezone.now())
    assert reconcile_applications() == 0
    assert enqueued() == []


def test_x4_reconcile_reenqueues_unsent_mail_of_a_done_application():
    application = ApplicationFactory.aged(STALE, done=True, mail_sent_at=None)
    assert reconcile_applications() == 1
    assert enqueued() == [(MAIL_TASK, application.pk)]


def test_x4_reconcile_leaves_fresh_unsent_mail_alone():
    ApplicationFactory(done=True, mail_sent_at=None)
    assert reconcile_applications() == 0
    assert enqueued() == []


def test_x3_reconcile_leaves_finished_and_mailed_applications_alone():
    ApplicationFactory.aged(STALE, done=True)
    ApplicationFactory.aged(STALE, done=True, mail_to=[], mail_sent_at=None)
    assert reconcile_applications() == 0
    assert enqueued() == []


def test_x3_reconcile_counts_each_lost_application_once():
    """Mixed: only the lost ones, each once, however many kinds of work each lacks."""
    lost = [
        ApplicationFactory.aged(STALE),
        ApplicationFactory(processing=True, lease_expires_at=timezone.now()),
        ApplicationFactory.aged(STALE, done=True, mail_sent_at=None),
    ]
    ApplicationFactory()
    ApplicationFactory(processing=True)
    ApplicationFactory.aged(STALE, done=True)
    assert reconcile_applications() == 3
    assert {application_id for _, application_id in enqueued()} == {a.pk for a in lost}


MAILBOX_TASK = "madoguchi.mailboxes.tasks.process_mailbox_order"


@pytest.fixture
def ten_minute_delay(settings):
    """Mail account applications wait 600 s before processing (cancellable until then)."""
    settings.APPLICATION_DELAY_SECONDS = {
        **settings.APPLICATION_DELAY_SECONDS,
        "mailbox_add": 600,
    }


@pytest.mark.usefixtures("ten_minute_delay")
def test_x3_d4_7_reconcile_waits_for_the_kinds_delay_before_waking_the_work():
    """An accepted application is lost only once its kind's delay and the stale time have
    passed: waking it earlier would process it while the customer may still cancel."""
    waiting = ApplicationFactory.aged(
        timedelta(minutes=10), kind="mailbox_add", mail_sent_at=timezone.now()
    )
    assert reconcile_applications() == 0
    assert enqueued() == []
    cancel_application(waiting, actor=waiting.submitted_by)  # still the customer's to cancel

    lost = ApplicationFactory.aged(
        timedelta(minutes=11, seconds=1), kind="mailbox_add", mail_sent_at=timezone.now()
    )
    assert reconcile_applications() == 1
    assert enqueued() == [(MAILBOX_TASK, lost.pk)]


@pytest.mark.usefixtures("ten_minute_delay")
def test_x3_x4_reconcile_wakes_a_lost_acceptance_mail_but_not_the_delayed_work():
    """The acceptance mail is due at once, the work only after the delay."""
    application = ApplicationFactory.aged(STALE, kind="mailbox_add")
    assert reconcile_applications() == 1
    assert enqueued() == [(MAIL_TASK, application.pk)]


def test_x3_reconcile_of_a_kind_without_delay_is_unchanged(settings):
    settings.APPLICATION_DELAY_SECONDS = {"mailbox_add": 600}
    application = ApplicationFactory.aged(
        timedelta(minutes=1, seconds=1), mail_sent_at=timezone.now()
    )
    assert reconcile_applications() == 1
    assert enqueued() == [(PUBLISH_TASK, application.pk)]
