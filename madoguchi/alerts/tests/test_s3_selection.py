"""S3 → S4: the stored settings select a publication's recipients in one query: products
(AlertProduct), the kind flag, and the weekday and hour bits of the publication time (JST)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from madoguchi.alerts.models import AlertProduct, Destination
from madoguchi.alerts.services import save_settings, select_recipients, to_mask
from madoguchi.alerts.tests.factories import make_destination, make_support_account

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
MONDAY_9_30 = datetime(2030, 1, 7, 9, 30, tzinfo=JST)  # a Monday


def subscriber(email, products, *, weekdays=(0,), hours=(9,), maintenance=True, outage=True):
    account = make_support_account(email)
    save_settings(
        account,
        products=products,
        maintenance=maintenance,
        outage=outage,
        weekdays=to_mask(weekdays),
        hours=to_mask(hours),
    )
    return make_destination(account, f"to-{email}", slot=1)


def test_s3_settings_select_the_recipients_in_one_query(products, django_assert_num_queries):
    fiber, mail = products["fiber"], products["mail"]
    wanted = subscriber("a@example.com", [fiber, mail])
    subscriber("other-product@example.com", [mail])
    subscriber("no-outage@example.com", [fiber], outage=False)
    subscriber("tuesday@example.com", [fiber], weekdays=(1,))
    subscriber("ten@example.com", [fiber], hours=(10,))
    subscriber("none@example.com", [])
    stopped = subscriber("stopped@example.com", [fiber])
    Destination.objects.filter(pk=stopped.pk).update(
        status=Destination.Status.SUSPENDED, suspended_at=MONDAY_9_30
    )
    pending = subscriber("pending@example.com", [fiber])
    Destination.objects.filter(pk=pending.pk).update(
        status=Destination.Status.PENDING, confirmed_at=None
    )
    assert AlertProduct.objects.count() == 8

    with django_assert_num_queries(1):
        found = list(select_recipients(product_ids=[fiber.pk], kind="outage", at=MONDAY_9_30))
    assert found == [wanted]  # once, though its settings name two products
    both = select_recipients(product_ids=[fiber.pk, mail.pk], kind="outage", at=MONDAY_9_30)
    assert sorted(d.address for d in both) == ["to-a@example.com", "to-other-product@example.com"]
    assert list(select_recipients(product_ids=[fiber.pk], kind="maintenance", at=MONDAY_9_30)) == [
        wanted,
        Destination.objects.get(address="to-no-outage@example.com"),
    ]
    # 10:00 JST is outside the 9時台 bit.
    ten = MONDAY_9_30.replace(hour=10)
    assert [
        d.address for d in select_recipients(product_ids=[fiber.pk], kind="outage", at=ten)
    ] == ["to-ten@example.com"]
