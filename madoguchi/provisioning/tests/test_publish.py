"""P1, X3: the network password kind's processing (the one skeleton) is idempotent and
never lets an older change win."""

from datetime import timedelta

import pytest
from django.utils import timezone
from passlib.hash import sha512_crypt

from madoguchi.applications import services as lifecycle
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    fail_application_by_operator,
    process_application,
    submit_application,
)
from madoguchi.audit.models import AuditEntry
from madoguchi.provisioning.models import RadCheck
from madoguchi.provisioning.services import network_password_hash

pytestmark = pytest.mark.django_db


def network_password_application(user, password: str, *, age: timedelta = timedelta(0)):
    """An accepted change to ``password``; its work is not enqueued (no commit in the test)."""
    application = submit_application(
        contract=user.contract,
        kind="network_password",
        user=user,
        before={"login_id": user.username, "password": "hidden"},
        after={"password": "changed"},
        work={"radius_hash": network_password_hash(password)},
    )
    Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now() - age)
    application.refresh_from_db()
    return application


def test_p1_publish_twice_writes_once(customer):
    """X3: a second run of the task for the same application changes nothing."""
    application = network_password_application(customer, "Abc-1234")
    assert process_application(application.pk) is True
    row = RadCheck.objects.get(username=customer.username)
    assert sha512_crypt.verify("Abc-1234", row.value)
    # If the second run wrote, it would put the application's hash back over this marker.
    RadCheck.objects.filter(pk=row.pk).update(value="marker")

    assert process_application(application.pk) is False

    assert RadCheck.objects.get().value == "marker"
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert application.attempts == 1


def test_p1_publish_replaces_the_previous_credential(customer):
    """P1: one Crypt-Password row per user; a later change replaces it."""
    first = network_password_application(customer, "Abc-1234", age=timedelta(hours=2))
    second = network_password_application(customer, "Xyz-5678")
    process_application(first.pk)
    process_application(second.pk)
    row = RadCheck.objects.get(username=customer.username)
    assert (row.attribute, row.op) == ("Crypt-Password", ":=")
    assert sha512_crypt.verify("Xyz-5678", row.value)
    assert not sha512_crypt.verify("Abc-1234", row.value)


def test_p1_older_application_does_not_overwrite_newer_hash(customer):
    """X3: an older change processed late (e.g. re-enqueued by reconcile) does not win."""
    older = network_password_application(customer, "Old-1234", age=timedelta(hours=2))
    newer = network_password_application(customer, "New-5678")
    process_application(newer.pk)
    process_application(older.pk)

    row = RadCheck.objects.get(username=customer.username)
    assert sha512_crypt.verify("New-5678", row.value)
    older.refresh_from_db()
    assert older.status == Application.Status.DONE  # finished, nothing left to retry


def test_p1_publish_of_unknown_application_does_nothing(customer):
    """X3: a wake-up for an application that no longer exists is harmless."""
    assert process_application(999_999) is False
    assert not RadCheck.objects.exists()


def test_p1_radcheck_never_holds_plaintext(customer):
    """P1: the stored value is a SHA-512-crypt hash, not the password."""
    application = network_password_application(customer, "Abc-1234")
    process_application(application.pk)
    value = RadCheck.objects.get().value
    assert "Abc-1234" not in value
    assert sha512_crypt.identify(value)


def test_p1_radius_hash_is_not_kept_once_published(customer):
    """P1: the application's ``work`` (the RADIUS hash) is cleared when it completes."""
    application = network_password_application(customer, "Abc-1234")
    radius_hash = application.work["radius_hash"]
    process_application(application.pk)

    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert application.work == {}
    assert RadCheck.objects.get().value == radius_hash
    assert not Application.objects.filter(work__has_key="radius_hash").exists()


@pytest.fixture
def stalled_worker(monkeypatch):
    """The first worker claims the application, then stalls past its lease while
    ``meanwhile`` happens (it is slow, not dead: it goes on publishing afterwards). Any
    later claim is an ordinary one."""

    def stall(meanwhile):
        claim = lifecycle.claim_application
        stalled = []

        def claim_then_stall(application_id):
            claimed = claim(application_id)
            if not stalled:
                stalled.append(claimed)
                Application.objects.filter(pk=application_id).update(
                    lease_expires_at=timezone.now() - timedelta(seconds=1)
                )
                meanwhile(Application.objects.get(pk=application_id))
            return claimed

        monkeypatch.setattr(lifecycle, "claim_application", claim_then_stall)

    return stall


def test_p1_b1_application_failed_by_an_operator_meanwhile_is_not_published(
    customer, operator, stalled_worker
):
    """B1: once the worker's lease ran out an operator failed the application (the customer
    is told it failed); the worker that comes back must not change the credential."""
    application = network_password_application(customer, "Abc-1234")
    reason = "お客様のご依頼により、このお申込みは取り下げました。"
    stalled_worker(
        lambda stale: fail_application_by_operator(
            application=stale, operator=operator, reason=reason
        )
    )

    assert process_application(application.pk) is False

    assert not RadCheck.objects.exists()
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    assert application.failure_reason == reason
    assert application.work == {}
    assert not AuditEntry.objects.filter(action="application.network_password.done").exists()


def test_p1_x3_application_finished_by_another_worker_meanwhile_is_not_published_again(
    customer, stalled_worker
):
    """X3: the lease ran out and another worker published and finished it; the slow worker
    finds it done and writes nothing (if it wrote, the hash would replace the marker)."""
    application = network_password_application(customer, "Abc-1234")

    def another_worker_finishes(stale):
        assert process_application(stale.pk) is True
        RadCheck.objects.update(value="marker")

    stalled_worker(another_worker_finishes)

    assert process_application(application.pk) is False

    assert RadCheck.objects.get().value == "marker"
    application.refresh_from_db()
    assert (application.status, application.attempts) == (Application.Status.DONE, 2)
    assert AuditEntry.objects.filter(action="application.network_password.done").count() == 1
