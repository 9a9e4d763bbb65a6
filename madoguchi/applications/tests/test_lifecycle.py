"""X3: the application lifecycle — claim with a lease, complete once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    claim_application,
    complete_application,
    fail_application,
)
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_x3_claim_takes_accepted_application_with_a_lease(settings):
    settings.APPLICATION_LEASE_SECONDS = 120
    application = ApplicationFactory()
    before = timezone.now()

    claimed = claim_application(application.pk)

    assert claimed is not None
    assert claimed.status == Application.Status.PROCESSING
    assert claimed.get_status_display() == "処理中"
    assert claimed.attempts == 1
    assert (
        before + timedelta(seconds=119) < claimed.lease_expires_at < before + timedelta(seconds=122)
    )
    assert claimed.customer_status == "反映中"


def test_x3_claim_refuses_a_done_application():
    application = ApplicationFactory(done=True)
    assert claim_application(application.pk) is None
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert application.attempts == 1


def test_x3_claim_refuses_while_the_lease_is_valid():
    """Another worker holds it: nobody else may take it before the lease expires."""
    application = ApplicationFactory(processing=True)
    assert claim_application(application.pk) is None
    application.refresh_from_db()
    assert application.attempts == 1


def test_x3_claim_takes_over_an_expired_lease():
    application = ApplicationFactory(
        processing=True, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    claimed = claim_application(application.pk)
    assert claimed is not None
    assert claimed.attempts == 2
    assert claimed.lease_expires_at > timezone.now()


@pytest.mark.parametrize("status", [Application.Status.FAILED, Application.Status.CANCELLED])
def test_x3_claim_refuses_finished_applications(status):
    application = ApplicationFactory(status=status, failure_reason="理由")
    assert claim_application(application.pk) is None


def test_x3_claim_of_missing_application_is_none():
    assert claim_application(999_999) is None


def test_x3_complete_is_recorded_once():
    """完了 clears the lease, stamps the time and audits once, however often it is called."""
    application = claim_application(ApplicationFactory().pk)
    complete_application(application)
    complete_application(application)
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert application.get_status_display() == "完了"
    assert application.lease_expires_at is None
    assert application.finished_at is not None
    assert AuditEntry.objects.filter(action="application.network_password.done").count() == 1


def test_x3_failed_application_keeps_its_reason():
    application = claim_application(ApplicationFactory().pk)
    fail_application(application, reason="RADIUSサーバーに接続できませんでした。")
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    assert application.failure_reason == "RADIUSサーバーに接続できませんでした。"
    assert application.customer_status == "失敗"
    # A done or failed application cannot be completed afterwards.
    complete_application(application)
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
