"""S4: a publication's recipients become its delivery rows in one INSERT … SELECT, unique per
(publication, destination), so a rerun (or two at once) adds none."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import save_settings, to_mask
from madoguchi.alerts.tests.factories import make_destination, make_product, make_support_account
from madoguchi.delivery.models import Delivery
from madoguchi.delivery.services import select_deliveries
from madoguchi.notices.models import Notice, Publication
from madoguchi.testing.concurrency import run_together

JST = ZoneInfo("Asia/Tokyo")
MONDAY_9_30 = datetime(2030, 1, 7, 9, 30, tzinfo=JST)


@pytest.fixture
def products(db):
    return {
        "fiber": make_product("d-fiber", "配信テスト光", order=10),
        "mail": make_product("d-mail", "配信テストメール", order=20),
    }


def subscriber(email, products, *, hours=(9,), maintenance=True, outage=True, slots=1):
    account = make_support_account(email)
    save_settings(
        account,
        products=products,
        maintenance=maintenance,
        outage=outage,
        weekdays=to_mask([0]),
        hours=to_mask(hours),
    )
    return [make_destination(account, f"{n}-{email}", slot=n) for n in range(1, slots + 1)]


def publication(products, *, kind="maintenance", send_mail=True, at=MONDAY_9_30):
    notice = Notice.objects.create(
        kind=kind,
        status=Notice.Status.SCHEDULED if kind == "maintenance" else Notice.Status.OCCURRING,
        title="配信テスト",
        body="本文",
        starts_at=at,
    )
    row = Publication.objects.create(
        notice=notice,
        event=Publication.Event.PUBLISHED,
        kind=kind,
        status=notice.status,
        send_mail=send_mail,
        subject="【工事】配信テスト",
        text="本文",
    )
    row.products.set(products)
    Publication.objects.filter(pk=row.pk).update(created_at=at)
    row.refresh_from_db()
    return row


def selected(pub) -> list[str]:
    ids = Delivery.objects.filter(publication=pub).values_list("destination_id", flat=True)
    return sorted(Destination.objects.filter(pk__in=ids).values_list("address", flat=True))


@pytest.mark.django_db
def test_s4_one_row_per_selected_destination_and_a_rerun_adds_none(
    products, django_assert_num_queries
):
    fiber, mail = products["fiber"], products["mail"]
    subscriber("both@example.com", [fiber, mail], slots=2)
    subscriber("fiber@example.com", [fiber])
    subscriber("mail-only@example.com", [mail])
    subscriber("ten@example.com", [fiber], hours=(10,))
    subscriber("outage-only@example.com", [fiber], maintenance=False)
    (stopped,) = subscriber("stopped@example.com", [fiber])
    Destination.objects.filter(pk=stopped.pk).update(
        status=Destination.Status.SUSPENDED, suspended_at=MONDAY_9_30
    )
    pub = publication([fiber])
    with django_assert_num_queries(4):  # products, savepoint, INSERT … SELECT, release
        assert select_deliveries(pub) == 3
    assert selected(pub) == ["1-both@example.com", "1-fiber@example.com", "2-both@example.com"]
    assert set(Delivery.objects.values_list("status", "attempts", "reply")) == {
        (Delivery.Status.PENDING, 0, "")
    }
    # A rerun (a worker restarted after a crash) adds none.
    assert select_deliveries(pub) == 0
    assert Delivery.objects.count() == 3


@pytest.mark.django_db
def test_s4_a_subscriber_of_one_affected_product_gets_the_notice(products):
    """Not only subscribers of every affected product (a known status page's mistake)."""
    fiber, mail = products["fiber"], products["mail"]
    subscriber("fiber@example.com", [fiber])
    subscriber("mail@example.com", [mail])
    pub = publication([fiber, mail], kind="outage")
    assert select_deliveries(pub) == 2
    assert selected(pub) == ["1-fiber@example.com", "1-mail@example.com"]


@pytest.mark.django_db
def test_s4_nothing_is_selected_without_the_mail_mark_or_outside_the_window(products):
    subscriber("fiber@example.com", [products["fiber"]])
    assert select_deliveries(publication([products["fiber"]], send_mail=False)) == 0
    late = publication([products["fiber"]], at=MONDAY_9_30.replace(hour=22))
    assert select_deliveries(late) == 0
    assert select_deliveries(publication([])) == 0
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_s4_two_selections_at_once_make_each_row_once(products):
    for n in range(5):
        subscriber(f"s{n}@example.com", [products["fiber"]])
    pub = publication([products["fiber"]])
    made = run_together(lambda: select_deliveries(pub), lambda: select_deliveries(pub))
    assert sum(made) == 5
    assert Delivery.objects.filter(publication=pub).count() == 5
