"""S4: what the owner of a destination sees after a one-click unsubscribe from a mail (one
kind stopped, with its date) and 「工事情報の配信を再開」: owner only, POST only, audited."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from madoguchi.alerts import services
from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import (
    RESTART_KIND_ACTION,
    restart_kind,
    save_settings,
    select_recipients,
    stop_kind,
    to_mask,
)
from madoguchi.alerts.tests.factories import make_destination
from madoguchi.alerts.tests.pages import DESTINATIONS
from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.lib.dates import format_date, format_datetime
from madoguchi.notices.models import Product

pytestmark = pytest.mark.django_db

MONDAY_9_30 = datetime(2030, 1, 7, 9, 30, tzinfo=ZoneInfo("Asia/Tokyo"))


def restart_url(destination) -> str:
    return reverse("alerts:destination_restart_kind", args=[destination.pk])


def buttons(item) -> list[tuple[str, str | None]]:
    """(label, the kind it posts) of each button of a destination."""
    found = []
    for form in find_all(item, lambda e: e.name == "form"):
        kind = [attr(i, "value") for i in find_all(form, lambda e: attr(e, "name") == "kind")]
        for button in find_all(form, lambda e: e.name == "button"):
            found.append((text(button), kind[0] if kind else None))
    return found


def selected_for(kind: str) -> set[str]:
    """The addresses a publication of this kind about t-fiber (Monday 9:30) mails."""
    product_ids = Product.objects.filter(code="t-fiber").values_list("pk", flat=True)
    rows = select_recipients(product_ids=product_ids, kind=kind, at=MONDAY_9_30)
    return set(rows.values_list("address", flat=True))


@pytest.fixture
def wanted(account, products):
    """The account wants both kinds of t-fiber on Mondays at 9."""
    save_settings(
        account,
        products=[products["fiber"]],
        maintenance=True,
        outage=True,
        weekdays=to_mask([0]),
        hours=to_mask([9]),
    )
    return account


def test_s4_a_stopped_kind_shows_its_date_and_a_restart_button(support_client, wanted):
    mine = make_destination(wanted, "mine@example.com", slot=1)
    stop_kind(mine.pk, "maintenance")
    mine.refresh_from_db()
    item = by_id(dom(support_client.get(DESTINATIONS)), "destination-1")
    stop = text(by_id(item, "destination-1-maintenance-stop"))
    expected = (
        f"工事情報：配信停止中（{format_date(mine.maintenance_stopped_at)} メール記載のリンクから）"
    )
    assert stop.startswith(expected)
    assert "故障情報のメールをお送りしています" in text(item)
    assert "工事・故障情報メールをお送りしています" not in text(item)
    assert buttons(item) == [("工事情報の配信を再開", "maintenance")]
    assert not find_all(item, lambda e: attr(e, "id") == "destination-1-outage-stop")


def test_s4_restart_sends_that_kind_again_with_an_audit_row(support_client, wanted):
    mine = make_destination(wanted, "mine@example.com", slot=1)
    stop_kind(mine.pk, "maintenance")
    stopped_at = Destination.objects.get(pk=mine.pk).maintenance_stopped_at
    assert "mine@example.com" not in selected_for("maintenance")

    response = support_client.post(restart_url(mine), {"kind": "maintenance"}, follow=True)

    assert response.redirect_chain == [(DESTINATIONS, 302)]
    assert "配信先（mine@example.com）への工事情報の配信を再開しました。" in page_text(response)
    mine.refresh_from_db()
    assert mine.maintenance_stopped_at is None
    assert "mine@example.com" in selected_for("maintenance")
    item = by_id(dom(response), "destination-1")
    assert "工事・故障情報メールをお送りしています" in text(item)
    assert buttons(item) == []
    entry = AuditEntry.objects.get(action=RESTART_KIND_ACTION)
    assert entry.actor == wanted.user and entry.target == "mine@example.com"
    assert entry.before == {
        "工事情報": f"配信停止中（{format_datetime(stopped_at)} メール記載のリンクから）"
    }
    assert entry.after == {"工事情報": "配信中"}

    again = support_client.post(restart_url(mine), {"kind": "maintenance"}, follow=True)
    assert "配信先（mine@example.com）への工事情報の配信は停止されていません。" in page_text(again)
    assert AuditEntry.objects.filter(action=RESTART_KIND_ACTION).count() == 1


def test_s4_restart_of_one_kind_leaves_the_other_stopped(support_client, wanted):
    mine = make_destination(wanted, "mine@example.com", slot=1)
    stop_kind(mine.pk, "maintenance")
    stop_kind(mine.pk, "outage")
    item = by_id(dom(support_client.get(DESTINATIONS)), "destination-1")
    assert "工事・故障情報メールはお送りしていません。" in text(item)
    assert buttons(item) == [
        ("工事情報の配信を再開", "maintenance"),
        ("故障情報の配信を再開", "outage"),
    ]

    response = support_client.post(restart_url(mine), {"kind": "outage"}, follow=True)
    assert "への故障情報の配信を再開しました。" in page_text(response)
    mine.refresh_from_db()
    assert mine.outage_stopped_at is None and mine.maintenance_stopped_at is not None
    assert "mine@example.com" in selected_for("outage")
    assert "mine@example.com" not in selected_for("maintenance")


def test_s4_a_suspended_destination_reads_both_its_suspension_and_its_stopped_kind(
    support_client, wanted
):
    """Issue 9's 配信停止 + reason + 配信再開 still read right beside a stopped kind."""
    mine = make_destination(wanted, "mine@example.com", slot=1, status="suspended")
    stop_kind(mine.pk, "outage")
    item = by_id(dom(support_client.get(DESTINATIONS)), "destination-1")
    assert "メールをお届けできない状態が続いたため" in text(item)
    assert text(by_id(item, "destination-1-outage-stop")).startswith("故障情報：配信停止中（")
    assert buttons(item) == [("配信再開", None), ("故障情報の配信を再開", "outage")]

    support_client.post(restart_url(mine), {"kind": "outage"})
    mine.refresh_from_db()
    assert mine.outage_stopped_at is None
    assert mine.status == Destination.Status.SUSPENDED  # 配信再開 is its own button


@pytest.mark.parametrize("data", [{}, {"kind": "spam"}, {"kind": "out\x00age"}])
def test_s4_restart_without_a_known_kind_says_so_and_changes_nothing(support_client, wanted, data):
    mine = make_destination(wanted, "mine@example.com", slot=1)
    stop_kind(mine.pk, "outage")
    response = support_client.post(restart_url(mine), data, follow=True)
    assert response.status_code == 200
    message = text(by_id(dom(response), "message"))
    assert message == "配信を再開する情報（工事情報・故障情報）を指定してください。"
    mine.refresh_from_db()
    assert mine.outage_stopped_at is not None
    assert not AuditEntry.objects.filter(action=RESTART_KIND_ACTION).exists()


def test_s4_restart_of_another_ids_destination_is_404(support_client, wanted, other_account):
    theirs = make_destination(other_account, "theirs@example.net", slot=1)
    stop_kind(theirs.pk, "maintenance")
    assert support_client.post(restart_url(theirs), {"kind": "maintenance"}).status_code == 404
    missing = reverse("alerts:destination_restart_kind", args=[theirs.pk + 1000])
    assert support_client.post(missing, {"kind": "maintenance"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.maintenance_stopped_at is not None
    assert not AuditEntry.objects.filter(action=RESTART_KIND_ACTION).exists()


def test_s4_restart_takes_only_a_logged_in_post(client, support_client, wanted):
    mine = make_destination(wanted, "mine@example.com", slot=1)
    stop_kind(mine.pk, "maintenance")
    assert support_client.get(restart_url(mine)).status_code == 405
    client.logout()
    anonymous = client.post(restart_url(mine), {"kind": "maintenance"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/support/login/?next=")
    mine.refresh_from_db()
    assert mine.maintenance_stopped_at is not None


def test_s4_restart_kind_service_refuses_an_unknown_kind_and_a_gone_destination(wanted):
    mine = make_destination(wanted, "mine@example.com", slot=1)
    with pytest.raises(ValueError):
        restart_kind(mine, "weather")
    stop_kind(mine.pk, "maintenance")
    Destination.objects.filter(pk=mine.pk).delete()
    assert restart_kind(mine, "maintenance") is False
    assert not AuditEntry.objects.filter(action=RESTART_KIND_ACTION).exists()
    assert services.AUDIT_ACTIONS[RESTART_KIND_ACTION] == "配信先の種別ごとの配信再開"
