"""S2, S3: the hourly limits of forms that mail an address someone typed (throttling.rates)."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from madoguchi.testing.concurrency import run_together
from madoguchi.throttling import rates
from madoguchi.throttling.models import RequestCount

START = datetime(2026, 12, 3, 1, 15, tzinfo=UTC)  # 10:15 in Tokyo


def take(now=START, client="203.0.113.5", address="someone@example.com", limit=3):
    return rates.take(
        "test.form", limits={"client": (client, limit), "address": (address, limit)}, now=now
    )


@pytest.mark.django_db
def test_s2_a_client_and_an_address_each_have_their_limit_per_hour():
    assert [take() for _ in range(3)] == [None, None, None]
    refused = take()
    assert refused is not None and refused.key == "client"
    # The window is the clock hour: it frees at 11:00 JST.
    assert refused.until_text == "11:00"
    # Another client typing the same address is refused for the address.
    other = take(client="198.51.100.7")
    assert other is not None and other.key == "address"
    # Another address from another client is free.
    assert take(client="198.51.100.8", address="else@example.com") is None
    # The next hour counts anew.
    assert take(now=START + timedelta(hours=1)) is None


@pytest.mark.django_db
def test_s2_refused_uses_count_and_unknown_clients_are_not_counted():
    for _ in range(5):
        take(limit=2)
    assert take(limit=10) is None  # a higher limit: the count is 6 of 10
    assert rates.take("test.form", limits={"client": (None, 1)}, now=START) is None
    assert not RequestCount.objects.filter(count=0).exists()


@pytest.mark.django_db
def test_s2_no_typed_address_is_stored():
    take(address="Private.Person@Example.com")
    stored = " ".join(RequestCount.objects.values_list("key", flat=True))
    assert "private" not in stored.lower() and "203.0.113.5" not in stored
    # The same address in other case counts as the same key.
    take(address="private.person@example.com")
    assert RequestCount.objects.filter(count=2).count() == 2  # client and address


@pytest.mark.django_db
def test_s2_purge_deletes_past_windows():
    take()
    take(now=START + timedelta(hours=2))
    assert rates.purge(now=START + timedelta(hours=2)) == 2
    assert RequestCount.objects.count() == 2
    call_command("purge_login_throttling", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_s2_uses_at_once_never_pass_the_last_free_use():
    def one_use():
        return rates.take("test.form", limits={"client": ("203.0.113.5", 4)}, now=START)

    results = run_together(*[one_use for _ in range(8)])
    assert sum(result is None for result in results) == 4
    assert RequestCount.objects.get().count == 8
