"""S4: the one-click unsubscribe of a 工事・故障情報メール (RFC 8058).

The mail client POSTs ``List-Unsubscribe=One-Click`` to the ``List-Unsubscribe`` URL with
no cookies and no CSRF token: that destination stops getting that kind at once, the answer
is 200 without a redirect, and doing it again changes nothing. A GET (a person, or a mail
scanner opening the link) only shows the page with its button. A forged or altered token is
a Japanese 404 page and changes nothing.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import (
    RESTART_KIND_ACTION,
    STOP_KIND_ACTION,
    save_settings,
    select_recipients,
    to_mask,
)
from madoguchi.alerts.tests.factories import make_destination, make_product, make_support_account
from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.delivery import tokens
from madoguchi.delivery.models import Delivery
from madoguchi.lib.dates import format_date, format_datetime
from madoguchi.notices.models import Notice, Publication

pytestmark = pytest.mark.django_db

MONDAY_9_30 = datetime(2030, 1, 7, 9, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058's body
INVALID = "このリンクは無効です"


@pytest.fixture
def fiber(db):
    return make_product("u-fiber", "配信停止テスト光", order=10)


@pytest.fixture
def account(fiber):
    account = make_support_account("owner@example.com")
    save_settings(
        account,
        products=[fiber],
        maintenance=True,
        outage=True,
        weekdays=to_mask([0]),
        hours=to_mask([9]),
    )
    return account


@pytest.fixture
def destination(account):
    return make_destination(account, "inbox@example.com", slot=1)


def publication(fiber, kind: str) -> Publication:
    notice = Notice.objects.create(
        kind=kind,
        status=Notice.Status.SCHEDULED if kind == "maintenance" else Notice.Status.OCCURRING,
        title="配信停止テスト",
        body="本文",
        starts_at=MONDAY_9_30,
    )
    row = Publication.objects.create(
        notice=notice,
        event=Publication.Event.PUBLISHED,
        kind=kind,
        status=notice.status,
        send_mail=True,
        subject="配信停止テスト",
        text="本文",
    )
    row.products.set([fiber])
    return row


def sent(fiber, destination, kind: str = "maintenance") -> Delivery:
    """A delivery row of a mail of ``kind`` sent to the destination."""
    return Delivery.objects.create(
        publication=publication(fiber, kind),
        destination_id=destination.pk,
        status=Delivery.Status.SENT,
        attempts=1,
    )


def link(delivery: Delivery) -> str:
    return reverse("delivery:unsubscribe", args=[tokens.make(tokens.UNSUBSCRIBE, "d", delivery.pk)])


def mail_client() -> Client:
    """A mail client: no cookies, no session, and CSRF checked as for any browser."""
    return Client(enforce_csrf_checks=True)


def one_click(url: str):
    return mail_client().post(url, ONE_CLICK, content_type="application/x-www-form-urlencoded")


def selected(fiber, kind: str) -> set[str]:
    rows = select_recipients(product_ids=[fiber.pk], kind=kind, at=MONDAY_9_30)
    return set(rows.values_list("address", flat=True))


def heading(response) -> str:
    return text(find_all(dom(response), lambda e: e.name == "h1")[0])


def state(response) -> str:
    return text(by_id(dom(response), "unsubscribe-state"))


def assert_token_page(response, status: int = 200):
    assert response.status_code == status
    assert "Location" not in response
    assert {"no-store", "private"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Content-Type"].startswith("text/html")


def stopped(destination) -> tuple:
    destination.refresh_from_db()
    return destination.maintenance_stopped_at, destination.outage_stopped_at


# --- the one-click POST -------------------------------------------------------------------


def test_s4_one_click_post_without_cookies_stops_that_kind_at_once(fiber, destination):
    delivery = sent(fiber, destination, "maintenance")
    assert selected(fiber, "maintenance") == selected(fiber, "outage") == {"inbox@example.com"}

    response = one_click(link(delivery))

    assert_token_page(response)
    assert not response.cookies  # no session, no CSRF cookie: nothing to keep
    assert heading(response) == "配信を停止しました"
    assert state(response) == (
        "inbox@example.com への工事情報の配信を停止しました。"
        "ほかの情報のメールの配信は変わりません。"
    )
    restart = by_id(dom(response), "restart")
    words = text(restart).replace(" ", "")
    assert "お客さまサポートIDでログインし、マイメニューの「配信先メールアドレス」" in words
    assert "「工事情報の配信を再開」" in words
    links = [attr(a, "href") for a in find_all(restart, lambda e: e.name == "a")]
    assert links == [reverse("alerts:destinations")]
    maintenance, outage = stopped(destination)
    assert maintenance is not None and outage is None
    delivery.refresh_from_db()
    assert delivery.event == Delivery.Event.UNSUBSCRIBED
    assert delivery.status == Delivery.Status.SENT
    assert selected(fiber, "maintenance") == set()
    assert selected(fiber, "outage") == {"inbox@example.com"}
    entry = AuditEntry.objects.get(action=STOP_KIND_ACTION)
    assert entry.target == "inbox@example.com" and entry.actor is None
    assert entry.after == {"配信停止": "工事情報（メール記載のリンクから）"}


def test_s4_one_click_of_an_outage_mail_stops_outage_only(fiber, destination):
    delivery = sent(fiber, destination, "outage")
    response = mail_client().post(link(delivery), {"List-Unsubscribe": "One-Click"})  # multipart
    assert_token_page(response)
    assert "への故障情報の配信を停止しました。" in state(response)
    maintenance, outage = stopped(destination)
    assert maintenance is None and outage is not None
    assert selected(fiber, "maintenance") == {"inbox@example.com"}
    assert selected(fiber, "outage") == set()


def test_s4_a_second_one_click_shows_the_same_page_and_changes_nothing(fiber, destination):
    delivery = sent(fiber, destination)
    first = one_click(link(delivery))
    when = stopped(destination)
    second = one_click(link(delivery))
    assert_token_page(second)
    assert state(second) == state(first)
    assert stopped(destination) == when  # the first date stays
    assert AuditEntry.objects.filter(action=STOP_KIND_ACTION).count() == 1
    # Another mail of the same kind to the same address: still one stop, still one row.
    other = sent(fiber, destination)
    assert_token_page(one_click(link(other)))
    assert stopped(destination) == when
    assert AuditEntry.objects.filter(action=STOP_KIND_ACTION).count() == 1


def test_s4_a_bounced_row_keeps_its_bounce_when_unsubscribed(fiber, destination):
    delivery = sent(fiber, destination)
    Delivery.objects.filter(pk=delivery.pk).update(event=Delivery.Event.SOFT_BOUNCE)
    assert_token_page(one_click(link(delivery)))
    delivery.refresh_from_db()
    assert delivery.event == Delivery.Event.SOFT_BOUNCE  # the progress counts the bounce
    assert stopped(destination)[0] is not None


# --- the page a person opens --------------------------------------------------------------


def test_s4_the_link_opens_a_page_with_the_button_and_changes_nothing(fiber, destination):
    delivery = sent(fiber, destination)
    response = mail_client().get(link(delivery))
    assert_token_page(response)
    root = dom(response)
    assert heading(response) == "工事・故障情報メールの配信停止"
    target = text(by_id(root, "unsubscribe-target"))
    assert "inbox@example.com" in target and "配信を停止する情報 工事情報" in target
    form = by_id(root, "unsubscribe-form")
    assert attr(form, "method") == "post" and attr(form, "action") is None  # the same URL
    assert [text(b) for b in find_all(form, lambda e: e.name == "button")] == ["配信を停止する"]
    assert stopped(destination) == (None, None)
    delivery.refresh_from_db()
    assert delivery.event == Delivery.Event.NONE
    assert not AuditEntry.objects.filter(action=STOP_KIND_ACTION).exists()


def test_s4_the_pages_button_stops_the_kind_from_a_browser(fiber, destination):
    """A browser POSTs the page's form with its cookies and token: the same outcome."""
    delivery = sent(fiber, destination)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link(delivery))
    token = attr(
        find_all(dom(page), lambda e: attr(e, "name") == "csrfmiddlewaretoken")[0], "value"
    )
    response = browser.post(link(delivery), {"csrfmiddlewaretoken": token})
    assert_token_page(response)
    assert heading(response) == "配信を停止しました"
    assert stopped(destination)[0] is not None


def test_s4_the_link_of_a_stopped_kind_says_since_when_and_how_to_restart(fiber, destination):
    delivery = sent(fiber, destination)
    one_click(link(delivery))
    maintenance, _ = stopped(destination)
    response = mail_client().get(link(delivery))
    assert_token_page(response)
    assert state(response) == (
        f"inbox@example.com への工事情報の配信は、{format_datetime(maintenance)} "
        "に停止されています。"
    )
    assert "「工事情報の配信を再開」" in text(by_id(dom(response), "restart"))
    assert not find_all(dom(response), lambda e: attr(e, "id") == "unsubscribe-form")


def test_s4_the_page_is_the_same_for_someone_logged_in(fiber, destination, account):
    """The owner (or anyone) logged in on the support site sees the same page."""
    delivery = sent(fiber, destination)
    browser = Client()
    browser.force_login(account.user)
    response = browser.get(link(delivery))
    assert_token_page(response)
    assert "inbox@example.com" in text(by_id(dom(response), "unsubscribe-target"))


# --- links that cannot be used ------------------------------------------------------------


def flipped(token: str) -> str:
    """The token with one character of its signature changed."""
    last = token[-1]
    return token[:-1] + ("a" if last != "a" else "b")


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda d: flipped(tokens.make(tokens.UNSUBSCRIBE, "d", d.pk)), id="tampered"),
        pytest.param(
            lambda d: (
                tokens.make(tokens.UNSUBSCRIBE, "d", d.pk + 1).split("-")[0]
                + "-"
                + tokens.make(tokens.UNSUBSCRIBE, "d", d.pk).split("-")[1]
            ),
            id="another-rows-signature",
        ),
        pytest.param(lambda d: tokens.make(tokens.BOUNCE, "d", d.pk), id="bounce-purpose"),
        pytest.param(lambda d: tokens.make(tokens.UNSUBSCRIBE, "m", d.pk), id="outbox-mail"),
        pytest.param(lambda d: tokens.make(tokens.UNSUBSCRIBE, "d", d.pk + 999), id="unknown-row"),
        pytest.param(lambda d: tokens.make(tokens.UNSUBSCRIBE, "d", d.pk)[:-3], id="truncated"),
        pytest.param(lambda d: "not-a-token", id="garbage"),
    ],
)
def test_s4_a_link_that_was_not_issued_is_a_japanese_404_and_changes_nothing(
    fiber, destination, bad
):
    delivery = sent(fiber, destination)
    url = reverse("delivery:unsubscribe", args=[bad(delivery)])
    for response in (mail_client().get(url), one_click(url)):
        assert_token_page(response, 404)
        assert heading(response) == INVALID
        assert "配信先の設定は変更されていません。" in state(response)
    assert stopped(destination) == (None, None)
    delivery.refresh_from_db()
    assert delivery.event == Delivery.Event.NONE
    assert not AuditEntry.objects.filter(action=STOP_KIND_ACTION).exists()


def test_s4_a_deleted_destination_is_no_longer_registered(fiber, destination):
    delivery = sent(fiber, destination)
    url = link(delivery)
    destination.delete()
    for response in (mail_client().get(url), one_click(url)):
        assert_token_page(response)
        assert state(response) == (
            "このメールアドレスは、工事・故障情報メールの配信先として登録されていません"
            "（削除されています）。配信停止の手続きは不要です。"
        )
        assert not find_all(dom(response), lambda e: attr(e, "id") == "unsubscribe-form")
    assert not AuditEntry.objects.filter(action=STOP_KIND_ACTION).exists()


@pytest.mark.parametrize("method", ["HEAD", "PUT", "DELETE", "OPTIONS"])
def test_s4_other_methods_are_a_japanese_405_and_change_nothing(fiber, destination, method):
    delivery = sent(fiber, destination)
    response = mail_client().generic(method, link(delivery), ONE_CLICK)
    assert_token_page(response, 405)
    assert response["Allow"] == "GET, POST"
    if method != "HEAD":  # a HEAD answer has no body
        assert heading(response) == "この操作は受け付けられません"
    assert stopped(destination) == (None, None)


# --- and back: the owner restarts it ------------------------------------------------------


def test_s4_the_owner_sees_the_stop_and_restarts_that_kind(fiber, destination, account):
    delivery = sent(fiber, destination)
    one_click(link(delivery))
    maintenance, _ = stopped(destination)
    owner = Client()
    owner.force_login(account.user)
    page = owner.get(reverse("alerts:destinations"))
    shown = text(by_id(dom(page), "destination-1-maintenance-stop"))
    assert shown.startswith(
        f"工事情報：配信停止中（{format_date(maintenance)} メール記載のリンクから）"
    )

    restart = reverse("alerts:destination_restart_kind", args=[destination.pk])
    response = owner.post(restart, {"kind": "maintenance"}, follow=True)
    assert "への工事情報の配信を再開しました。" in page_text(response)
    assert stopped(destination) == (None, None)
    assert selected(fiber, "maintenance") == {"inbox@example.com"}
    assert AuditEntry.objects.get(action=RESTART_KIND_ACTION).actor == account.user
    # The mail's link works again: the page offers the button anew.
    again = mail_client().get(link(delivery))
    assert find_all(dom(again), lambda e: attr(e, "id") == "unsubscribe-form")
    assert Destination.objects.get(pk=destination.pk).status == Destination.Status.ACTIVE
