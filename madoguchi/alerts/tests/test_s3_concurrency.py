"""S3, X2: two browsers adding at the same moment (real transactions, one connection each):
never more than three destinations; the same address twice makes one row and one mail."""

import pytest

from madoguchi.alerts import services
from madoguchi.alerts.models import Destination
from madoguchi.alerts.tests.factories import make_destination, make_support_account
from madoguchi.outbox.models import Mail
from madoguchi.supportid.models import SupportAccount
from madoguchi.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def adding(account_pk: int, address: str, ip: str):
    def call():
        account = SupportAccount.objects.select_related("user").get(pk=account_pk)
        return services.add_destination(account, address, ip)

    return call


def test_s3_the_3rd_and_4th_added_at_once_leave_three(database_tasks):
    account = make_support_account("race@example.com")
    make_destination(account, "one@example.com", slot=1)
    make_destination(account, "two@example.com", slot=2)
    results = run_together(
        adding(account.pk, "three@example.com", "198.51.100.1"),
        adding(account.pk, "four@example.com", "198.51.100.2"),
    )
    added = [r for r in results if isinstance(r, Destination)]
    refused = [r for r in results if isinstance(r, services.DestinationRefused)]
    assert len(added) == 1 and len(refused) == 1, results
    assert refused[0].message == services.FULL
    assert Destination.objects.filter(account=account).count() == 3
    assert Mail.objects.count() == 1 and Mail.objects.get().to == added[0].address


def test_s3_many_adds_at_once_never_exceed_three(database_tasks, settings):
    account = make_support_account("flood@example.com")
    results = run_together(
        *(adding(account.pk, f"d{n}@example.com", f"198.51.100.{n}") for n in range(6))
    )
    added = [r for r in results if isinstance(r, Destination)]
    assert len(added) == 3, results
    assert all(isinstance(r, services.DestinationRefused) for r in results if r not in added)
    assert sorted(Destination.objects.values_list("slot", flat=True)) == [1, 2, 3]
    assert Mail.objects.count() == 3


def test_s3_the_same_address_twice_at_once_makes_one_row_and_one_mail(database_tasks):
    account = make_support_account("double@example.com")
    results = run_together(
        adding(account.pk, "same@example.com", "198.51.100.1"),
        adding(account.pk, "same@example.com", "198.51.100.1"),
    )
    added = [r for r in results if isinstance(r, Destination)]
    refused = [r for r in results if isinstance(r, services.DestinationRefused)]
    assert len(added) == 1 and len(refused) == 1, results
    assert "すでに登録されています" in refused[0].message
    assert Destination.objects.count() == 1 and Mail.objects.count() == 1
