"""X3, X4: an application that names an address waits until the address is confirmed by a
mailed link (signed, expiring, single-use); unconfirmed in time it fails with a mail."""

import re
import uuid
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications import services
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    claim_application,
    confirmation_token,
    expire_unconfirmed_applications,
    process_application,
    reconcile_applications,
    submit_application,
)
from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.pages import page_text
from madoguchi.outbox.models import Mail

pytestmark = pytest.mark.django_db

OTHER = "keiri@example.org"


@pytest.fixture
def awaiting(customer, recorded_kind, django_capture_on_commit_callbacks):
    """An application of an automatic kind that names OTHER, waiting for its confirmation."""
    with django_capture_on_commit_callbacks(execute=True):
        application = submit_application(
            contract=customer.contract,
            kind=recorded_kind.code,
            user=customer,
            before={"note": "前"},
            after={"note": "後"},
            mail_to=[customer.contract.contact_email],
            submission_key=uuid.uuid4().hex,
            confirm_to=OTHER,
            link_base="https://portal.example.ne.jp/",
        )
    return application


def link_of(mail: Mail) -> str:
    return mail.context["link"]


def path_of(link: str) -> str:
    return re.sub(r"^https://portal\.example\.ne\.jp", "", link)


def test_x3_awaiting_application_is_not_processed_and_mails_the_link(
    awaiting, recorded_kind, customer
):
    awaiting.refresh_from_db()
    assert awaiting.status == Application.Status.AWAITING
    assert awaiting.customer_status == "メール確認待ち"
    assert awaiting.is_in_progress
    assert recorded_kind.calls == []  # the immediate backend was not woken
    mails = {mail.template: mail for mail in Mail.objects.filter(reference=awaiting.number)}
    assert set(mails) == {"application_accepted", "application_confirmation"}
    assert mails["application_accepted"].to == customer.contract.contact_email
    confirmation = mails["application_confirmation"]
    assert confirmation.to == OTHER
    link = link_of(confirmation)
    assert link.startswith("https://portal.example.ne.jp/applications/confirm/")
    assert "メールアドレスのご確認のお願い" in confirmation.subject
    # The token is in no other mail.
    assert link not in str(mails["application_accepted"].context)


def test_x3_awaiting_application_is_never_claimed_or_reconciled(awaiting, recorded_kind, settings):
    settings.APPLICATION_STALE_SECONDS = 0
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert claim_application(awaiting.pk) is None
        assert process_application(awaiting.pk) is False
        assert reconcile_applications() == 0
    awaiting.refresh_from_db()
    assert awaiting.status == Application.Status.AWAITING
    assert awaiting.attempts == 0
    assert recorded_kind.calls == []


def test_x3_following_the_link_confirms_and_processes_once(
    awaiting, recorded_kind, django_capture_on_commit_callbacks
):
    path = path_of(link_of(Mail.objects.get(template="application_confirmation")))
    client = Client()  # the address's reader needs no login

    shown = client.get(path)
    assert shown.status_code == 200
    assert OTHER in page_text(shown)
    assert "確認する" in page_text(shown)
    awaiting.refresh_from_db()
    assert awaiting.status == Application.Status.AWAITING  # a GET (a mail scanner) confirms nothing

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(path)
    assert confirmed.status_code == 200
    assert "メールアドレス（keiri@example.org）を確認しました" in page_text(confirmed)
    awaiting.refresh_from_db()
    assert awaiting.status == Application.Status.DONE
    assert awaiting.confirmed_at is not None
    assert recorded_kind.calls == [awaiting.pk]
    assert AuditEntry.objects.filter(action=f"application.{awaiting.kind}.confirm").count() == 1
    assert Mail.objects.filter(reference=awaiting.number, template="application_done").count() == 1


def test_x3_a_reused_link_confirms_nothing_again(
    awaiting, recorded_kind, django_capture_on_commit_callbacks
):
    path = path_of(link_of(Mail.objects.get(template="application_confirmation")))
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(path)
    assert again.status_code == 400
    assert services.CONFIRMATION_USED in page_text(again)
    assert services.CONFIRMATION_USED in page_text(client.get(path))
    assert recorded_kind.calls == [awaiting.pk]
    assert Mail.objects.filter(reference=awaiting.number, template="application_done").count() == 1


def test_x3_a_forged_or_altered_link_is_refused(awaiting, recorded_kind):
    client = Client()
    token = confirmation_token(awaiting)
    forged = [
        "garbage",
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        # Correctly signed with another salt (another feature's token) or for another address.
        signing.dumps({"a": awaiting.pk, "e": OTHER}, salt="another"),
        signing.dumps({"a": awaiting.pk, "e": "evil@example.net"}, salt=services.CONFIRMATION_SALT),
        signing.dumps({"a": awaiting.pk + 1, "e": OTHER}, salt=services.CONFIRMATION_SALT),
        signing.dumps([awaiting.pk], salt=services.CONFIRMATION_SALT),
    ]
    for token in forged:
        path = reverse("applications:confirm", args=[token])
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 400
            assert services.CONFIRMATION_INVALID in page_text(response)
    awaiting.refresh_from_db()
    assert awaiting.status == Application.Status.AWAITING
    assert recorded_kind.calls == []


def test_x3_an_expired_link_is_refused_and_the_application_fails_with_a_mail(
    awaiting, recorded_kind, settings, customer
):
    path = reverse("applications:confirm", args=[confirmation_token(awaiting)])
    later = timezone.now() + timedelta(seconds=settings.APPLICATION_CONFIRMATION_SECONDS + 5)
    with time_machine.travel(later):
        response = Client().post(path)
        assert response.status_code == 400
        assert services.CONFIRMATION_EXPIRED in page_text(response)
        awaiting.refresh_from_db()
        assert awaiting.status == Application.Status.AWAITING

        assert expire_unconfirmed_applications() == 1
        assert expire_unconfirmed_applications() == 0
    awaiting.refresh_from_db()
    assert awaiting.status == Application.Status.FAILED
    assert OTHER in awaiting.failure_reason
    failed = Mail.objects.get(reference=awaiting.number, template="application_failed")
    assert failed.to == customer.contract.contact_email
    assert recorded_kind.calls == []
    # A link followed after the failure says so.
    assert "「失敗」" in page_text(Client().get(path))


def test_x3_expiry_follows_the_deadline_not_the_signature(awaiting, settings):
    """The database's deadline decides: a link within the signature's age but past the
    application's own deadline confirms nothing."""
    Application.objects.filter(pk=awaiting.pk).update(
        confirm_by=timezone.now() - timedelta(seconds=1)
    )
    path = reverse("applications:confirm", args=[confirmation_token(awaiting)])
    response = Client().post(path)
    assert services.CONFIRMATION_EXPIRED in page_text(response)
    awaiting.refresh_from_db()
    assert awaiting.status == Application.Status.AWAITING


def test_x3_reconcile_command_expires_unconfirmed_applications(awaiting, settings, monkeypatch):
    from django.core.management import call_command

    from madoguchi.applications.management.commands import reconcile

    # The command drops stale connections each round; the test's own must stay open.
    monkeypatch.setattr(reconcile, "close_old_connections", lambda: None)
    later = timezone.now() + timedelta(seconds=settings.APPLICATION_CONFIRMATION_SECONDS + 5)
    with time_machine.travel(later):
        out = StringIO()
        call_command("reconcile", stdout=out)
    assert "expired 1 unconfirmed application(s)" in out.getvalue()
    awaiting.refresh_from_db()
    assert awaiting.status == Application.Status.FAILED


def test_b1_operator_cannot_process_an_awaiting_application(awaiting, operator):
    with pytest.raises(services.NotOperable, match="確認待ち"):
        services.process_application_now(application=awaiting, operator=operator)
    failed = services.fail_application_by_operator(
        application=awaiting, operator=operator, reason="お客様のご依頼により取り消しました。"
    )
    assert failed.status == Application.Status.FAILED
    response = Client().post(reverse("applications:confirm", args=[confirmation_token(awaiting)]))
    assert response.status_code == 400


def test_x3_without_an_address_nothing_waits(customer, recorded_kind):
    application = submit_application(
        contract=customer.contract,
        kind=recorded_kind.code,
        user=customer,
        before={},
        after={"note": "後"},
        submission_key=uuid.uuid4().hex,
    )
    assert application.status == Application.Status.ACCEPTED
    assert application.confirm_by is None
    assert not Mail.objects.filter(template="application_confirmation").exists()
