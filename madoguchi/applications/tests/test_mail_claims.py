"""X2/X4: each application mail is sent once, however many workers are woken for it.

Reconcile wakes an unsent mail on every pass, and a task may be queued twice; two workers
running the same mail task at the same moment must not both send it. Each claims the mail
with a conditional update first; only the winner sends.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from madoguchi.applications import tasks
from madoguchi.applications.models import Application
from madoguchi.applications.services import claim_application, complete_application
from madoguchi.applications.tasks import (
    MAIL_CLAIM_SECONDS,
    send_application_mail,
    send_outcome_mail,
)
from madoguchi.applications.tests.factories import ApplicationFactory

MAIL_TASK = "madoguchi.applications.tasks.send_application_mail"
OUTCOME_TASK = "madoguchi.applications.tasks.send_outcome_mail"

ACCEPTANCE = "【madoguchi】認証パスワード変更のお申込みを受け付けました"
OUTCOME = "【madoguchi】認証パスワード変更のお申込みが完了しました"


def acceptance_pending():
    """Accepted; its acceptance mail not sent yet."""
    return ApplicationFactory()


def outcome_pending():
    """Done; the acceptance mail sent, the outcome mail to the contact address not yet."""
    application = ApplicationFactory(done=True)
    application.outcome_mail_to = [application.contract.contact_email]
    application.save(update_fields=["outcome_mail_to"])
    return application


def run_together(task, application_id: int, monkeypatch) -> None:
    """Run ``task`` for the application in two threads (two workers) at the same moment.

    A worker that has sent the mail waits, before it marks it sent, until the other worker
    has sent it too or has returned: so both have looked at the mail before either marks
    it, the moment at which a check-then-send would send it twice.
    """
    condition = threading.Condition()
    state = {"sent": 0, "returned": 0}
    errors = []
    send_email = tasks.send_email

    def send_and_linger(*args, **kwargs):
        send_email(*args, **kwargs)
        with condition:
            state["sent"] += 1
            condition.notify_all()
            assert condition.wait_for(
                lambda: state["sent"] == 2 or state["returned"], timeout=20
            ), "the other worker neither sent nor returned"

    def worker():
        try:
            task.call(application_id=application_id)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()
            with condition:
                state["returned"] += 1
                condition.notify_all()

    monkeypatch.setattr(tasks, "send_email", send_and_linger)
    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("make", "task", "subject", "sent_field"),
    [
        (acceptance_pending, send_application_mail, ACCEPTANCE, "mail_sent_at"),
        (outcome_pending, send_outcome_mail, OUTCOME, "outcome_mail_sent_at"),
    ],
    ids=["acceptance", "outcome"],
)
def test_x2_x4_two_workers_woken_for_the_same_mail_send_it_once(
    make, task, subject, sent_field, smtp_server, monkeypatch
):
    application = make()

    run_together(task, application.pk, monkeypatch)

    assert len(smtp_server.received) == 1
    mail = smtp_server.received[0]
    assert mail.rcpt_to == [application.contract.contact_email]
    assert mail.subject.lstrip().startswith(subject)
    application.refresh_from_db()
    assert getattr(application, sent_field) is not None
    # Woken again later (reconcile, a retried task): still nothing more.
    task.call(application_id=application.pk)
    assert len(smtp_server.received) == 1


@pytest.mark.django_db
def test_x4_mail_claimed_by_a_worker_that_died_is_sent_after_the_claim_expires(smtp_server):
    """A worker took the mail and died before sending (or before marking it sent): the mail
    waits while the claim is valid, and goes out once it has expired (never lost)."""
    application = ApplicationFactory()
    claimed_at = timezone.now() - timedelta(seconds=MAIL_CLAIM_SECONDS - 60)
    Application.objects.filter(pk=application.pk).update(mail_claimed_at=claimed_at)

    send_application_mail.call(application_id=application.pk)
    assert smtp_server.received == []  # another worker may be sending it right now

    Application.objects.filter(pk=application.pk).update(
        mail_claimed_at=claimed_at - timedelta(seconds=61)
    )
    send_application_mail.call(application_id=application.pk)
    assert len(smtp_server.received) == 1
    application.refresh_from_db()
    assert application.mail_sent_at is not None


@pytest.mark.django_db
@pytest.mark.usefixtures("database_tasks")
def test_x2_finishing_an_application_wakes_only_its_outcome_mail(
    django_capture_on_commit_callbacks,
):
    """The worker's copy of the application was read before the acceptance mail was sent;
    completing it must not queue the acceptance mail a second time."""
    application = claim_application(ApplicationFactory().pk)
    assert application.mail_sent_at is None
    # Meanwhile another worker sends the acceptance mail.
    Application.objects.filter(pk=application.pk).update(mail_sent_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        complete_application(application, notify=[application.contract.contact_email])

    queued = [
        (task.task_path, task.args_kwargs["kwargs"]["application_id"])
        for task in DBTaskResult.objects.all()
    ]
    assert queued == [(OUTCOME_TASK, application.pk)]
