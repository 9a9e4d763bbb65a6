"""S2, X2: registrations and confirmations at the same moment (real transactions, proven on
PostgreSQL as on SQLite): one account per address, a token spent once."""

from datetime import date

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.models import User
from madoguchi.outbox.models import Mail
from madoguchi.supportid import services, tokens
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.supportid.tests.journeys import make_support_id
from madoguchi.testing.concurrency import run_together
from madoguchi.testing.workers import DATABASE_TASKS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def enqueue_only(settings):
    settings.TASKS = DATABASE_TASKS


def registering(name: str):
    def call():
        services.register(
            email="same@example.com",
            name=name,
            birth_date=date(1990, 1, 1),
            password_hash=make_password("some-pass-2024"),
            ip=None,
            link_base="http://testserver/",
        )
        return name

    return call


def test_s2_x2_two_registrations_of_one_new_address_at_once_make_one_account():
    results = run_together(registering("一人目"), registering("二人目"))
    assert sorted(results) == ["一人目", "二人目"], results
    account = SupportAccount.objects.get()
    assert User.objects.filter(kind=User.Kind.SUPPORT).count() == 1
    # The later one replaced the earlier: exactly one confirmation link still works.
    usable = MailToken.objects.filter(used_at__isnull=True)
    assert usable.count() == 1 and usable.get().account == account
    assert Mail.objects.filter(to="same@example.com").count() == 2


def test_s2_x2_the_confirm_button_twice_at_once_confirms_once():
    account = make_support_id("pending@example.com", confirmed=False)
    token = tokens.issue(account, MailToken.Purpose.CONFIRM, lifetime=services.confirm_lifetime())
    url = f"/support/register/confirm/{token}/"
    results = run_together(lambda: Client().post(url), lambda: Client().post(url))
    assert sorted(r.status_code for r in results) == [200, 400], results
    account.refresh_from_db()
    assert account.confirmed_at is not None
    assert AuditEntry.objects.filter(action=services.CONFIRM_ACTION).count() == 1
