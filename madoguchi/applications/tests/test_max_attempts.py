"""X3: work is retried until it succeeds or is marked failed — not forever.

A processor that keeps raising leaves its application 処理中; reconcile wakes it again
after every lease. After ``APPLICATION_MAX_ATTEMPTS`` attempts the application is failed
with a reason the customer reads (mail and desk), and the failure is logged as an error.
"""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    GIVE_UP_REASON,
    claim_application,
    reconcile_applications,
)
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.provisioning import services as provisioning
from madoguchi.provisioning.models import RadCheck
from madoguchi.testing.workers import submit_password_change

pytestmark = pytest.mark.django_db

NEW = "Abc-1234"


def expire_lease(application: Application) -> None:
    """Time passes: the lease of the worker that raised runs out."""
    Application.objects.filter(pk=application.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.fixture
def radius_down(monkeypatch):
    """Publishing raises every time (the RADIUS database refuses writes, a bug, …)."""

    def refuse(**kwargs):
        raise RuntimeError("radcheck is not writable")

    monkeypatch.setattr(provisioning, "set_radius_password", refuse)


def test_x3_work_that_keeps_failing_is_failed_after_max_attempts(
    customer_client,
    customer,
    password,
    settings,
    radius_down,
    mailoutbox,
    caplog,
    django_capture_on_commit_callbacks,
):
    settings.APPLICATION_MAX_ATTEMPTS = 3
    settings.APPLICATION_LEASE_SECONDS = 120
    with django_capture_on_commit_callbacks(execute=True):
        submit_password_change(customer_client, current=password, new=NEW)  # attempt 1 raises
    application = Application.objects.get()
    for attempt in (1, 2, 3):
        application.refresh_from_db()
        assert (application.status, application.attempts) == ("processing", attempt)
        expire_lease(application)
        with django_capture_on_commit_callbacks(execute=True):
            # Reconcile wakes it; the worker claims it (the next attempt) or gives up.
            assert reconcile_applications() == 1

    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    assert application.failure_reason == GIVE_UP_REASON
    assert application.attempts == 3  # the limit: no fourth attempt was made
    assert application.lease_expires_at is None and application.finished_at is not None
    assert application.work == {}
    assert not RadCheck.objects.exists()

    # The customer is told, by mail to the contact address and on the desk.
    acceptance, outcome = mailoutbox
    assert "受け付けました" in acceptance.subject
    assert outcome.to == [customer.contract.contact_email]
    assert outcome.subject == (
        f"【madoguchi】認証パスワード変更のお申込みを完了できませんでした（{application.number}）"
    )
    assert GIVE_UP_REASON in outcome.body.replace("\n", "")
    page = customer_client.get(reverse("desk:status")).content.decode()
    assert GIVE_UP_REASON in page
    assert "反映中" not in page

    # The operators are told by the error log.
    (record,) = [
        r
        for r in caplog.records
        if r.name == "madoguchi.applications.services" and r.levelno >= logging.ERROR
    ]
    assert application.number in record.getMessage()
    assert "3 attempts" in record.getMessage()

    # Nothing is tried any more.
    expire_lease(application)
    assert reconcile_applications() == 0
    assert claim_application(application.pk) is None
    assert len(mailoutbox) == 2


def test_x3_max_attempts_defaults_to_five():
    from madoguchi import settings as project_settings

    assert project_settings.APPLICATION_MAX_ATTEMPTS == 5


def test_x3_attempts_below_the_limit_are_claimed_again(settings, caplog):
    settings.APPLICATION_MAX_ATTEMPTS = 3
    application = ApplicationFactory(
        processing=True, attempts=2, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    claimed = claim_application(application.pk)
    assert claimed is not None and claimed.attempts == 3
    assert claimed.status == Application.Status.PROCESSING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_x3_worker_holding_a_valid_lease_on_its_last_attempt_is_left_alone(settings):
    """The last attempt is still running (valid lease): it is the worker's to finish."""
    settings.APPLICATION_MAX_ATTEMPTS = 3
    application = ApplicationFactory(processing=True, attempts=3)
    assert claim_application(application.pk) is None
    application.refresh_from_db()
    assert application.status == Application.Status.PROCESSING
    assert application.failure_reason == ""
